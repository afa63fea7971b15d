import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { ComponentSet, MetadataConverter } from '@salesforce/source-deploy-retrieve'

export const SFDX_PROJECT_DIR = path.resolve(import.meta.dirname, '../../sfdx-project')

type SfdxProjectJson = { packageDirectories: { path: string; default?: boolean }[]; sourceApiVersion: string }

export function readSfdxProject(projectDir = SFDX_PROJECT_DIR): SfdxProjectJson {
  return JSON.parse(readFileSync(path.join(projectDir, 'sfdx-project.json'), 'utf8'))
}

export function packageDirectories(projectDir = SFDX_PROJECT_DIR): string[] {
  return readSfdxProject(projectDir).packageDirectories.map((dir) => path.join(projectDir, dir.path))
}

/** Every file under the package directories (what `sf project deploy start` would look at). */
export function sourceFiles(projectDir = SFDX_PROJECT_DIR): string[] {
  return packageDirectories(projectDir)
    .flatMap((dir) =>
      readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => path.join(entry.parentPath, entry.name)),
    )
    .sort()
}

export function componentSet(projectDir = SFDX_PROJECT_DIR): ComponentSet {
  const set = ComponentSet.fromSource(packageDirectories(projectDir))
  // `sf project deploy start` stamps package.xml with the project's version; do the same.
  set.sourceApiVersion = readSfdxProject(projectDir).sourceApiVersion
  return set
}

/** Converts source format to Metadata API format (what the CLI zips and deploys). */
export async function convertToMetadataFormat(projectDir: string, outputDirectory: string): Promise<string> {
  const result = await new MetadataConverter().convert(componentSet(projectDir), 'metadata', {
    type: 'directory',
    outputDirectory,
    packageName: 'sf-link',
    genUniqueDir: false,
  })
  if (!result.packagePath) throw new Error('MetadataConverter returned no package path')
  return result.packagePath
}
