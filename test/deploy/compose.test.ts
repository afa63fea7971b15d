/**
 * docker-compose.yml, validated by docker-compose itself (Debian's 1.29 in CI). The file reads
 * .env, which a fresh clone does not have, so each check runs on a copy next to a .env made
 * from .env.example, as an admin would.
 */
import { execFile, execFileSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const REPO_DIR = path.resolve(import.meta.dirname, '../..')

function findCompose(): string | null {
  try {
    execFileSync('docker-compose', ['version'], { stdio: 'ignore' })
    return 'docker-compose'
  } catch {
    return null
  }
}

const compose = findCompose()
const tempDirs: string[] = []
afterAll(() => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

function projectCopy(extraEnv: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sflink-compose-'))
  tempDirs.push(dir)
  copyFileSync(path.join(REPO_DIR, 'docker-compose.yml'), path.join(dir, 'docker-compose.yml'))
  writeFileSync(path.join(dir, '.env'), `${readFileSync(path.join(REPO_DIR, '.env.example'), 'utf8')}\n${extraEnv}\n`)
  return dir
}

async function composeConfig(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(compose!, ['-f', 'docker-compose.yml', 'config', ...args], { cwd: dir })
  return stdout
}

describe.skipIf(!compose)(
  `docker-compose.yml${compose ? '' : ' (skipped: docker-compose is not installed; CI installs it)'}`,
  () => {
    const dir = compose ? projectCopy('POSTGRES_PASSWORD=compose-test-password') : ''

    it('validates, with db, app and worker services and a named volume', async () => {
      expect((await composeConfig(dir, '--services')).split('\n').filter(Boolean).sort()).toEqual([
        'app',
        'db',
        'worker',
      ])
      expect((await composeConfig(dir, '--volumes')).trim()).toBe('pgdata')
    })

    it('runs Postgres 17 with a pg_isready healthcheck on the named volume', async () => {
      const db = section(await composeConfig(dir), 'db')
      expect(db).toMatch(/image: postgres:17\n/)
      expect(db).toContain('pg_isready')
      expect(db).toContain('pgdata:/var/lib/postgresql/data')
    })

    it('starts app and worker from the Dockerfile once the database is healthy', async () => {
      const config = await composeConfig(dir)
      for (const name of ['app', 'worker']) {
        const service = section(config, name)
        expect(service, name).toMatch(/build:\n\s+context: /)
        expect(service, name).toMatch(/depends_on:\n\s+db:\n\s+condition: service_healthy/)
        expect(service, name).toContain('DATABASE_URL: postgres://sflink:compose-test-password@db:5432/sflink')
        expect(service, name).toContain('APP_MODE: production')
      }
      expect(section(config, 'app')).toMatch(/ports:\n\s+- 127\.0\.0\.1:3000:3000/)
      expect(section(config, 'worker')).toMatch(
        /command:\n\s+- node\n\s+- dist\/server\/src\/server\.js\n\s+- --worker-only/,
      )
    })

    it('refuses to start without a Postgres password', async () => {
      const failure = await composeConfig(projectCopy('')).then(
        () => undefined,
        (error: { stderr: string }) => error,
      )
      expect(failure?.stderr).toContain('set POSTGRES_PASSWORD in .env')
    })
  },
)

/** The block of one service in `docker-compose config` output (two-space indented YAML). */
function section(config: string, service: string): string {
  const match = new RegExp(`\\n  ${service}:\\n((?:    .*\\n|\\n)*)`).exec(config)
  if (!match) throw new Error(`service ${service} not found in:\n${config}`)
  return match[1]
}
