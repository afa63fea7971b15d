// Runs jsforce's own tests (query, SOAP and OAuth login, sessions, describe) against the
// simulator, from a scratch folder outside this repository: nothing of jsforce is committed.
//
//   npm run jsforce-suite -w @sf-link/simulator [-- --repo <git URL or path> --ref 3.10.18 --dir <folder>]
//
// It clones jsforce at --ref into --dir (default: <tmp>/sflink-jsforce-tests), installs its
// dependencies (Puppeteer without its browser download: the OAuth tests drive Debian's Chromium
// through CHROME_BIN), builds it, turns on the test groups jsforce skips in its own CI (they need
// an org that allows SOAP and OAuth logins from CI machines), starts a simulator and runs jest
// with the environment jsforce's test/config reads. It prints passed/failed per file and why
// each failure failed; README.md ("jsforce's own tests") records the latest figures.
import { execFileSync, spawn, type SpawnOptions } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { Connection } from 'jsforce'
import { createSalesforceSimulator, DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET } from '../src/index.js'

const TEST_FILES = [
  'test/query.test.ts',
  'test/connection-session.test.ts',
  'test/oauth2.test.ts',
  'test/connection-meta.test.ts',
]
/** Groups jsforce skips in its CI only because its CI machines cannot log in to a real org. */
const SKIPPED_IN_CI = ['test/connection-session.test.ts', 'test/oauth2.test.ts']

/**
 * jsforce's browser helper clicks, then starts waiting for the navigation the click causes. Against
 * a real org the page loads slowly enough; against a local server the navigation is over before
 * the wait starts, and the wait times out. Puppeteer's documented pattern waits and clicks together.
 */
const WAIT = "page.waitForNavigation({ waitUntil: 'networkidle2' })"
const HELPER_RACE_FIX: [string, string][] = [
  [
    `    await page.click('#oaapprove');\n    await ${WAIT};\n`,
    `    await Promise.all([${WAIT}, page.click('#oaapprove')]);\n`,
  ],
  [
    `      await page.click('[name=Login]');\n    } else {\n`,
    `      await Promise.all([${WAIT}, page.click('[name=Login]')]);\n    } else {\n`,
  ],
  [
    `      await page.click('[name=Login]');\n    }\n    await ${WAIT};\n`,
    `      await Promise.all([${WAIT}, page.click('[name=Login]')]);\n    }\n`,
  ],
]

function patch(file: string, replacements: [string, string][]): void {
  const full = path.join(dir, file)
  let text = readFileSync(full, 'utf8')
  for (const [from, to] of replacements) {
    if (!text.includes(from)) throw new Error(`${file} changed upstream; update the patch in jsforce-suite.ts`)
    text = text.replace(from, to)
  }
  writeFileSync(full, text)
  console.log(`patched ${file}: waits for each navigation together with the click that starts it`)
}

const { values } = parseArgs({
  options: {
    repo: { type: 'string', default: 'https://github.com/jsforce/jsforce.git' },
    ref: { type: 'string', default: '3.10.18' },
    dir: { type: 'string', default: path.join(tmpdir(), 'sflink-jsforce-tests') },
    chrome: { type: 'string', default: '/usr/bin/chromium' },
  },
})
const dir = path.resolve(values.dir!)
if (dir.startsWith(path.resolve(import.meta.dirname, '../..'))) throw new Error('--dir must be outside the repository')

const runAsync = (command: string, args: string[], options: SpawnOptions) =>
  new Promise<{ status: number | null }>((resolve, reject) => {
    const child = spawn(command, args, options)
    child.on('error', reject)
    child.on('exit', (status) => resolve({ status }))
  })

const run = (command: string, args: string[], cwd = dir, env: NodeJS.ProcessEnv = process.env) => {
  console.log(`$ ${command} ${args.join(' ')}`)
  execFileSync(command, args, { cwd, env, stdio: 'inherit' })
}

if (!existsSync(path.join(dir, '.git'))) run('git', ['clone', '--quiet', '--no-checkout', values.repo!, dir], tmpdir())
run('git', ['checkout', '--quiet', '--force', values.ref!])
if (!existsSync(path.join(dir, 'node_modules'))) {
  run('npm', ['ci', '--no-audit', '--no-fund'], dir, {
    ...process.env,
    PUPPETEER_SKIP_DOWNLOAD: '1',
    PUPPETEER_SKIP_CHROMIUM_DOWNLOAD: '1',
  })
}
run('npx', ['tsc', '-p', '.'])
for (const file of SKIPPED_IN_CI) {
  const full = path.join(dir, file)
  writeFileSync(full, readFileSync(full, 'utf8').replaceAll('describe.skip(', 'describe('))
  console.log(`patched ${file}: the groups skipped in jsforce's CI run`)
}
patch('test/helper/webauth/index.ts', HELPER_RACE_FIX)

const sim = await createSalesforceSimulator({ data: { contacts: 250, leads: 120, campaigns: 3 } })
const [ada] = sim.control.users()
// jsforce's username-password tests assume an org that allows that flow (new orgs block it).
sim.control.setOrgSettings(ada.organizationId, { oauthPasswordFlowEnabled: true })
const login = new Connection({ loginUrl: sim.url, version: '60.0' })
await login.login(ada.username, ada.password + ada.securityToken)
const resultsFile = path.join(dir, 'sflink-results.json')
console.log(`simulator at ${sim.url}; running jest on ${TEST_FILES.join(' ')}`)
// Asynchronous: the simulator runs in this process and must keep answering while jest runs.
const jest = await runAsync(
  'npx',
  ['jest', '--forceExit', '--json', `--outputFile=${resultsFile}`, '--testTimeout=60000', ...TEST_FILES],
  {
    cwd: dir,
    stdio: 'inherit',
    env: {
      ...process.env,
      SF_LOGIN_URL: sim.url,
      SF_USERNAME: ada.username,
      SF_PASSWORD: ada.password + ada.securityToken,
      SF_ACCESS_TOKEN: login.accessToken!,
      SF_OAUTH2_CLIENT_ID: DEFAULT_CONSUMER_KEY,
      SF_OAUTH2_CLIENT_SECRET: DEFAULT_CONSUMER_SECRET,
      SF_OAUTH2_REDIRECT_URI: 'http://localhost:4000/oauth2/callback',
      CHROME_BIN: values.chrome,
    },
  },
)
await sim.close()

interface JestResults {
  testResults: {
    name: string
    assertionResults: { fullName: string; status: string; failureMessages: string[] }[]
  }[]
}
const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as JestResults
let passed = 0
let failed = 0
for (const file of results.testResults) {
  const count = (status: string) => file.assertionResults.filter((a) => a.status === status).length
  passed += count('passed')
  failed += count('failed')
  console.log(`\n${path.relative(dir, file.name)}: ${count('passed')} passed, ${count('failed')} failed`)
  for (const a of file.assertionResults.filter((r) => r.status === 'failed')) {
    const reason = (a.failureMessages[0] ?? '').split('\n').find((line) => line.trim() !== '') ?? ''
    console.log(`  ✗ ${a.fullName}\n      ${reason.trim().slice(0, 200)}`)
  }
}
console.log(`\nTotal: ${passed} passed, ${failed} failed (jest exit code ${jest.status})`)
