/**
 * Writes SF Link's public host, and who may use the app, into the Salesforce metadata, in place.
 *
 *   npm run sfdx:configure -- --host app.example.com [--contact-email admin@yourcompany.com]
 *                             [--permitted-users admin|self]
 *
 * Permitted users (the External Client App's OAuth policies, and the classic connected app's
 * "admin approved"): `admin` (the default) pre-authorizes the users the admin gives the
 * SF_Link_User permission set, so the signed request arrives by POST, with its refresh token,
 * on the first visit; `self` lets every user approve SF Link once, inside the iframe (Salesforce
 * first loads /canvas by GET with _sfdc_canvas_authvalue=user_approval_required). Asked for on a
 * terminal when the option is not given.
 *
 * Every canvas URL (`<canvasUrl>`) and OAuth callback URL (`<callbackUrl>`) in the package
 * directories of sfdx-project.json gets the new host, whatever host is there now (the committed
 * placeholder is sflink.example.com), so running it again with another host simply switches.
 * Paths are kept: /canvas and /oauth/salesforce/callback are the server's routes.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

export const PLACEHOLDER_HOST = 'sflink.example.com'
export const CANVAS_PATH = '/canvas'
export const CALLBACK_PATH = '/oauth/salesforce/callback'

/** A mistake the person running the script can fix; printed without a stack trace. */
export class ConfigureError extends Error {
  override name = 'ConfigureError'
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

/**
 * Accepts `host`, `host:port` or `https://host[:port][/]` and answers the normalised
 * `host[:port]` (lower case, default port dropped). Salesforce only frames canvas apps over
 * https and the routes are fixed, so http and anything with a path, query or credentials are
 * refused rather than guessed at.
 */
export function parseHost(input: string): string {
  let rest = input.trim()
  if (rest === '') throw new ConfigureError('--host is empty: give the public host name, e.g. --host app.example.com')
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(rest)
  if (scheme) {
    if (scheme[1].toLowerCase() !== 'https') {
      throw new ConfigureError(
        `--host ${input}: Salesforce requires https for canvas apps and OAuth callbacks; give the host only, e.g. --host app.example.com`,
      )
    }
    rest = rest.slice(scheme[0].length).replace(/\/$/, '')
  }
  if (/[/?#]/.test(rest)) {
    throw new ConfigureError(
      `--host ${input}: give the host only, without a path (the metadata adds ${CANVAS_PATH} and ${CALLBACK_PATH})`,
    )
  }
  if (rest.includes('@')) throw new ConfigureError(`--host ${input}: no user name or password in the host`)

  const match = /^([^:]+)(?::(\d{1,5}))?$/.exec(rest)
  if (!match)
    throw new ConfigureError(`--host ${input}: not a host name (expected e.g. app.example.com or app.example.com:8443)`)
  const hostname = match[1].toLowerCase().replace(/\.$/, '')
  const labels = hostname.split('.')
  if (hostname.length > 253 || labels.length < 2 || !labels.every((label) => LABEL.test(label))) {
    throw new ConfigureError(
      `--host ${input}: not a valid public host name (letters, digits and hyphens, at least one dot)`,
    )
  }
  if (/^\d+$/.test(labels[labels.length - 1])) {
    throw new ConfigureError(`--host ${input}: use the host name the TLS certificate is issued for, not an IP address`)
  }
  if (match[2] === undefined) return hostname
  const port = Number(match[2])
  if (port < 1 || port > 65535) throw new ConfigureError(`--host ${input}: port ${match[2]} is out of range`)
  return port === 443 ? hostname : `${hostname}:${port}`
}

function parseContactEmail(input: string): string {
  const email = input.trim()
  // Conservative on purpose: the value lands in XML and Salesforce validates it again on deploy.
  if (!/^[^\s@<>&"']+@[^\s@<>&"']+\.[^\s@<>&"']+$/.test(email)) {
    throw new ConfigureError(`--contact-email ${input}: not an email address`)
  }
  return email
}

export type PermittedUsers = 'admin' | 'self'

/** The Metadata API's names for the two modes (PermittedUsersPolicyType). */
export const PERMITTED_USERS_POLICY: Record<PermittedUsers, string> = {
  admin: 'AdminApprovedPreAuthorized',
  self: 'AllSelfAuthorized',
}

export function parsePermittedUsers(input: string): PermittedUsers {
  const value = input.trim().toLowerCase()
  if (value === 'admin' || value === 'self') return value
  throw new ConfigureError(
    `--permitted-users ${input}: choose admin (admin approved users are pre-authorized) or self (all users may self-authorize)`,
  )
}

export type ConfigureOptions = {
  /** The sfdx project folder (the one holding sfdx-project.json). */
  projectDir: string
  /** Raw --host value; validated by parseHost. */
  host: string
  contactEmail?: string
  /** Left as committed (admin) when not given. */
  permittedUsers?: PermittedUsers
}

export type ConfigureResult = {
  host: string
  permittedUsers: PermittedUsers
  canvasUrl: string
  callbackUrl: string
  /** Files whose content changed, relative to projectDir. */
  changedFiles: string[]
}

async function metadataFiles(projectDir: string): Promise<string[]> {
  let project: { packageDirectories?: { path: string }[] }
  try {
    project = JSON.parse(await readFile(path.join(projectDir, 'sfdx-project.json'), 'utf8'))
  } catch (error) {
    throw new ConfigureError(`${projectDir} has no readable sfdx-project.json (${(error as Error).message})`)
  }
  const files: string[] = []
  for (const dir of project.packageDirectories ?? []) {
    const entries = await readdir(path.join(projectDir, dir.path), { recursive: true, withFileTypes: true })
    for (const entry of entries) {
      if (entry.isFile() && entry.name.endsWith('-meta.xml')) files.push(path.join(entry.parentPath, entry.name))
    }
  }
  return files.sort()
}

const URL_ELEMENT = /<(canvasUrl|callbackUrl)>([^<]*)<\/\1>/g

export async function configureProject(options: ConfigureOptions): Promise<ConfigureResult> {
  const host = parseHost(options.host)
  const contactEmail = options.contactEmail === undefined ? undefined : parseContactEmail(options.contactEmail)
  const projectDir = path.resolve(options.projectDir)
  const found = { canvasUrl: 0, callbackUrl: 0 }
  const changedFiles: string[] = []

  for (const file of await metadataFiles(projectDir)) {
    const before = await readFile(file, 'utf8')
    let after = before.replace(URL_ELEMENT, (_whole, element: 'canvasUrl' | 'callbackUrl', value: string) => {
      found[element] += 1
      // A callbackUrl may list several URLs, one per line; each keeps its path.
      const rewritten = value.replace(/https?:\/\/[^/\s<]+/g, `https://${host}`)
      return `<${element}>${rewritten}</${element}>`
    })
    if (contactEmail !== undefined) {
      after = after.replace(/<contactEmail>[^<]*<\/contactEmail>/g, `<contactEmail>${contactEmail}</contactEmail>`)
    }
    if (options.permittedUsers !== undefined) {
      const mode = options.permittedUsers
      after = after
        .replace(
          /<permittedUsersPolicyType>[^<]*<\/permittedUsersPolicyType>/g,
          `<permittedUsersPolicyType>${PERMITTED_USERS_POLICY[mode]}</permittedUsersPolicyType>`,
        )
        .replace(/<isAdminApproved>[^<]*<\/isAdminApproved>/g, `<isAdminApproved>${mode === 'admin'}</isAdminApproved>`)
    }
    if (after !== before) {
      await writeFile(file, after)
      changedFiles.push(path.relative(projectDir, file))
    }
  }

  if (found.canvasUrl === 0 || found.callbackUrl === 0) {
    throw new ConfigureError(
      `no <canvasUrl> or <callbackUrl> found under ${projectDir}: is this SF Link's sfdx-project folder?`,
    )
  }
  const policy = /<permittedUsersPolicyType>([^<]*)<\/permittedUsersPolicyType>/
  let permittedUsers: PermittedUsers = options.permittedUsers ?? 'admin'
  if (options.permittedUsers === undefined) {
    for (const file of await metadataFiles(projectDir)) {
      const m = policy.exec(await readFile(file, 'utf8'))
      if (m) permittedUsers = m[1] === PERMITTED_USERS_POLICY.self ? 'self' : 'admin'
    }
  }
  return {
    host,
    permittedUsers,
    canvasUrl: `https://${host}${CANVAS_PATH}`,
    callbackUrl: `https://${host}${CALLBACK_PATH}`,
    changedFiles,
  }
}

const USAGE = `Usage: npm run sfdx:configure -- --host <public host> [--contact-email <email>]
                                 [--permitted-users admin|self] [--project-dir <dir>]

  --host             SF Link's public host name, e.g. app.example.com (https is implied)
  --contact-email    email Salesforce shows as the app's contact (optional)
  --permitted-users  admin: admin approved users (SF_Link_User permission set) are pre-authorized (default)
                     self:  all users may self-authorize (each approves SF Link once, inside Salesforce)
                     Asked for on a terminal when not given.
  --project-dir      the sfdx project folder (default: the folder above this script)`

/** Asks on a terminal which mode the admin wants; elsewhere (scripts, CI) the committed mode stays. */
async function askPermittedUsers(): Promise<PermittedUsers | undefined> {
  if (!process.stdin.isTTY) return undefined
  const { createInterface } = await import('node:readline/promises')
  const rl = createInterface({ input: process.stdin, output: process.stdout })
  try {
    for (;;) {
      const answer = await rl.question(
        'Who may use SF Link?\n  admin  admin approved users are pre-authorized (SF_Link_User permission set) [default]\n  self   all users may self-authorize\n> ',
      )
      if (answer.trim() === '') return 'admin'
      try {
        return parsePermittedUsers(answer)
      } catch (error) {
        console.error((error as Error).message)
      }
    }
  } finally {
    rl.close()
  }
}

async function main(argv: string[]): Promise<number> {
  let values
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string' },
        'contact-email': { type: 'string' },
        'project-dir': { type: 'string' },
        'permitted-users': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }))
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  if (values.host === undefined) {
    console.error(`--host is required.\n\n${USAGE}`)
    return 2
  }
  try {
    const permittedUsers =
      values['permitted-users'] !== undefined
        ? parsePermittedUsers(values['permitted-users'])
        : await askPermittedUsers()
    const result = await configureProject({
      projectDir: values['project-dir'] ?? path.resolve(import.meta.dirname, '..'),
      host: values.host,
      contactEmail: values['contact-email'],
      permittedUsers,
    })
    console.log(`Canvas URL:   ${result.canvasUrl}`)
    console.log(`Callback URL: ${result.callbackUrl}`)
    console.log(
      `Permitted users: ${
        result.permittedUsers === 'admin'
          ? 'admin approved users are pre-authorized (assign the SF_Link_User permission set)'
          : 'all users may self-authorize (each approves SF Link once, inside Salesforce)'
      }`,
    )
    console.log(
      result.changedFiles.length === 0
        ? 'Metadata already up to date.'
        : `Updated:\n  ${result.changedFiles.join('\n  ')}`,
    )
    console.log(
      `\nNext: set PUBLIC_URL=https://${result.host} for SF Link, then deploy (see sfdx-project/README.md):\n  cd sfdx-project && sf project deploy start --source-dir force-app --target-org <your org alias>`,
    )
    return 0
  } catch (error) {
    if (error instanceof ConfigureError) {
      console.error(error.message)
      return 1
    }
    throw error
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2))
}
