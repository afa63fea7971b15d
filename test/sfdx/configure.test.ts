import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import {
  ConfigureError,
  PLACEHOLDER_HOST,
  configureProject,
  parseHost,
  parsePermittedUsers,
} from '../../sfdx-project/scripts/configure.js'
import { SFDX_PROJECT_DIR, convertToMetadataFormat, sourceFiles } from '../helpers/sfdx-project-files.js'

const run = promisify(execFile)
const REPO_DIR = path.resolve(SFDX_PROJECT_DIR, '..')

let tempDirs: string[] = []
afterEach(() => {
  tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }))
  tempDirs = []
})

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  tempDirs.push(dir)
  return dir
}

/** A copy of sfdx-project/ to configure, so the committed placeholder stays untouched. */
function copyOfProject(): string {
  const dir = path.join(tempDir('sflink-sfdx-'), 'sfdx-project')
  cpSync(SFDX_PROJECT_DIR, dir, { recursive: true })
  return dir
}

function allSource(projectDir: string): string {
  return sourceFiles(projectDir)
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n')
}

function urlsIn(projectDir: string): string[] {
  return [...allSource(projectDir).matchAll(/<(?:canvasUrl|callbackUrl)>([^<]*)</g)].map((m) => m[1]).sort()
}

describe('npm run sfdx:configure', () => {
  it('writes the host into every canvas and callback URL, leaving no placeholder, and the project still converts', async () => {
    const projectDir = copyOfProject()
    const { stdout } = await run(
      'npm',
      ['run', '--silent', 'sfdx:configure', '--', '--host', 'app.example.com', '--project-dir', projectDir],
      { cwd: REPO_DIR },
    )
    expect(stdout).toContain('https://app.example.com/canvas')

    const source = allSource(projectDir)
    expect(source).not.toContain(PLACEHOLDER_HOST)
    expect(urlsIn(projectDir)).toEqual([
      'https://app.example.com/canvas',
      'https://app.example.com/canvas',
      'https://app.example.com/oauth/salesforce/callback',
      'https://app.example.com/oauth/salesforce/callback',
    ])
    await expect(convertToMetadataFormat(projectDir, tempDir('sflink-mdapi-'))).resolves.toBeTruthy()
  })

  it('exits non-zero with a readable message for a bad host, changing nothing', async () => {
    const projectDir = copyOfProject()
    const before = allSource(projectDir)
    const failure = await run(
      'npm',
      ['run', '--silent', 'sfdx:configure', '--', '--host', 'http://app.example.com', '--project-dir', projectDir],
      { cwd: REPO_DIR },
    ).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    )
    expect(failure?.code).toBe(1)
    expect(failure?.stderr).toContain('https')
    expect(allSource(projectDir)).toBe(before)
  })

  it('is idempotent and switches from whatever host is there', async () => {
    const projectDir = copyOfProject()
    await configureProject({ projectDir, host: 'first.example.org' })
    const again = await configureProject({ projectDir, host: 'first.example.org' })
    expect(again.changedFiles).toEqual([])

    const switched = await configureProject({ projectDir, host: 'https://Second.Example.net:8443/' })
    expect(switched.host).toBe('second.example.net:8443')
    expect(switched.changedFiles).toHaveLength(3) // ECA canvas, ECA global OAuth, connected app
    const urls = urlsIn(projectDir)
    expect(urls.every((url) => url.startsWith('https://second.example.net:8443/'))).toBe(true)
    expect(allSource(projectDir)).not.toContain('first.example.org')
  })

  it('sets the contact email when asked', async () => {
    const projectDir = copyOfProject()
    await configureProject({ projectDir, host: 'app.example.com', contactEmail: 'it@acme.test' })
    expect(allSource(projectDir).match(/<contactEmail>[^<]*</g)).toEqual([
      '<contactEmail>it@acme.test<',
      '<contactEmail>it@acme.test<',
    ])
    await expect(
      configureProject({ projectDir, host: 'app.example.com', contactEmail: 'not an email' }),
    ).rejects.toThrow(ConfigureError)
  })

  it('refuses a folder that is not the SF Link sfdx project', async () => {
    await expect(configureProject({ projectDir: tempDir('sflink-empty-'), host: 'app.example.com' })).rejects.toThrow(
      /sfdx-project\.json/,
    )
  })
})

describe('parseHost', () => {
  it.each([
    ['app.example.com', 'app.example.com'],
    ['  App.Example.COM ', 'app.example.com'],
    ['https://app.example.com', 'app.example.com'],
    ['https://app.example.com/', 'app.example.com'],
    ['app.example.com:8443', 'app.example.com:8443'],
    ['https://app.example.com:443', 'app.example.com'],
    ['sf-link.eu-west-1.example.co.uk', 'sf-link.eu-west-1.example.co.uk'],
  ])('accepts %j as %j', (input, expected) => {
    expect(parseHost(input)).toBe(expected)
  })

  it.each([
    ['', /empty/],
    ['http://app.example.com', /https/],
    ['ftp://app.example.com', /https/],
    ['app.example.com/canvas', /path/],
    ['https://app.example.com/sflink', /path/],
    ['app.example.com?x=1', /path/],
    ['user:pw@app.example.com', /user name/],
    ['localhost', /valid public host/],
    ['app_example.com', /valid public host/],
    ['-app.example.com', /valid public host/],
    ['app..example.com', /valid public host/],
    ['app.example.com:0', /out of range/],
    ['app.example.com:70000', /out of range/],
    ['10.0.0.1', /IP address/],
    ['app.example.com:port', /not a host name/],
    ['<script>.example.com', /valid public host/],
  ])('rejects %j', (input, message) => {
    expect(() => parseHost(input)).toThrow(message)
  })

  it('asks which users may use the app: admin pre-authorized by default, or all users self-authorize', async () => {
    const projectDir = copyOfProject()
    const oauthPolicies = () =>
      readFileSync(
        path.join(
          projectDir,
          'force-app/main/default/extlClntAppOauthPolicies/SF_Link_oauthPlcy.ecaOauthPlcy-meta.xml',
        ),
        'utf8',
      )
    const connectedApp = () =>
      readFileSync(
        path.join(projectDir, 'connected-app/main/default/connectedApps/SF_Link.connectedApp-meta.xml'),
        'utf8',
      )
    // Not asked (no terminal): the committed mode stays.
    const plain = await configureProject({ projectDir, host: 'app.example.com' })
    expect(plain.permittedUsers).toBe('admin')
    expect(oauthPolicies()).toContain('<permittedUsersPolicyType>AdminApprovedPreAuthorized</permittedUsersPolicyType>')

    const { stdout } = await run(
      'npm',
      [
        'run',
        '--silent',
        'sfdx:configure',
        '--',
        '--host',
        'app.example.com',
        '--permitted-users',
        'self',
        '--project-dir',
        projectDir,
      ],
      { cwd: REPO_DIR },
    )
    expect(stdout).toMatch(/all users may self-authorize/)
    expect(oauthPolicies()).toContain('<permittedUsersPolicyType>AllSelfAuthorized</permittedUsersPolicyType>')
    expect(connectedApp()).toContain('<isAdminApproved>false</isAdminApproved>')
    await expect(convertToMetadataFormat(projectDir, tempDir('sflink-mdapi-'))).resolves.toBeTruthy()

    const back = await configureProject({ projectDir, host: 'app.example.com', permittedUsers: 'admin' })
    expect(back.permittedUsers).toBe('admin')
    expect(oauthPolicies()).toContain('<permittedUsersPolicyType>AdminApprovedPreAuthorized</permittedUsersPolicyType>')
    expect(connectedApp()).toContain('<isAdminApproved>true</isAdminApproved>')

    expect(() => parsePermittedUsers('everyone')).toThrow(ConfigureError)
    await expect(
      run(
        'npm',
        [
          'run',
          '--silent',
          'sfdx:configure',
          '--',
          '--host',
          'a.example.com',
          '--permitted-users',
          'x',
          '--project-dir',
          projectDir,
        ],
        {
          cwd: REPO_DIR,
        },
      ),
    ).rejects.toMatchObject({ stderr: expect.stringMatching(/choose admin .* or self/) })
  })
})
