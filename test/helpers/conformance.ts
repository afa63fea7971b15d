/**
 * Test data from outside the project (../shared/conformance beside the repository, as CI
 * lays it out), with the copy in test/fixtures/conformance as the fallback for clones
 * made elsewhere.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export function conformanceFile(relative: string): string {
  const shared = path.resolve(root, '../shared/conformance', relative)
  return fs.existsSync(shared) ? shared : path.resolve(root, 'test/fixtures/conformance', relative)
}

export interface RealSignedRequest {
  source: string
  consumerSecret: string
  signedRequest: string
}

export function realSignedRequest(): RealSignedRequest {
  return JSON.parse(fs.readFileSync(conformanceFile('canvas/real-signed-request-1.json'), 'utf8')) as RealSignedRequest
}
