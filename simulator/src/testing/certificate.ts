// A key pair and a self-signed X.509 certificate for JWT bearer tests. Node has no API to
// create certificates, so the openssl CLI signs one (it is on the test machines).
import { execFileSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

export interface TestCertificate {
  privateKeyPem: string
  certificatePem: string
}

export function createSelfSignedCertificate(commonName = 'sflink-simulator-test'): TestCertificate {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const dir = mkdtempSync(path.join(tmpdir(), 'sim-cert-'))
  try {
    const keyFile = path.join(dir, 'key.pem')
    const certFile = path.join(dir, 'cert.pem')
    writeFileSync(keyFile, privateKeyPem, { mode: 0o600 })
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-new',
        '-key',
        keyFile,
        '-subj',
        `/CN=${commonName}`,
        '-days',
        '2',
        '-sha256',
        '-out',
        certFile,
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
    return { privateKeyPem, certificatePem: readFileSync(certFile, 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
