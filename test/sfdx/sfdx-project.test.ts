import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { afterAll, describe, expect, it } from 'vitest'
import {
  checkMetadataXml,
  loadJsforceSchema,
  loadSalesforceTypesSchema,
  rootElementName,
} from '../helpers/sfdx-metadata-schema.js'
import {
  SFDX_PROJECT_DIR,
  componentSet,
  convertToMetadataFormat,
  readSfdxProject,
  sourceFiles,
} from '../helpers/sfdx-project-files.js'

const ECA = 'SF_Link'
const EXPECTED_COMPONENTS = [
  'ApexPage:SfLinkCanvas',
  'AuraDefinitionBundle:SfLinkCanvas',
  'ConnectedApp:SF_Link',
  'CustomTab:SF_Link',
  'ExternalClientApplication:SF_Link',
  'ExtlClntAppCanvasSettings:SF_Link_canvas',
  'ExtlClntAppConfigurablePolicies:SF_Link_plcy',
  'ExtlClntAppGlobalOauthSettings:SF_Link_glbloauth',
  'ExtlClntAppOauthConfigurablePolicies:SF_Link_oauthPlcy',
  'ExtlClntAppOauthSettings:SF_Link_oauth',
  'PermissionSet:SF_Link_User',
]

const tempDirs: string[] = []
afterAll(() => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

const lists = new Set([
  'canvasLocationOptions',
  'locations',
  'scopes',
  'pageAccesses',
  'tabSettings',
  'userPermissions',
  'permissionSetName',
])
const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  isArray: (name) => lists.has(name),
})

function sourceFile(relative: string): string {
  return path.join(SFDX_PROJECT_DIR, relative)
}

function readMetadata(relative: string): Record<string, any> {
  const document = xml.parse(readFileSync(sourceFile(relative), 'utf8'))
  const root = Object.keys(document).find((key) => key !== '?xml')!
  return document[root]
}

const files = {
  eca: 'force-app/main/default/externalClientApps/SF_Link.eca-meta.xml',
  ecaOauth: 'force-app/main/default/extlClntAppOauthSettings/SF_Link_oauth.ecaOauth-meta.xml',
  ecaGlobalOauth: 'force-app/main/default/extlClntAppGlobalOauthSets/SF_Link_glbloauth.ecaGlblOauth-meta.xml',
  ecaCanvas: 'force-app/main/default/extlClntAppCanvasSettings/SF_Link_canvas.ecaCanvas-meta.xml',
  ecaPolicies: 'force-app/main/default/extlClntAppPolicies/SF_Link_plcy.ecaPlcy-meta.xml',
  ecaOauthPolicies: 'force-app/main/default/extlClntAppOauthPolicies/SF_Link_oauthPlcy.ecaOauthPlcy-meta.xml',
  permissionSet: 'force-app/main/default/permissionsets/SF_Link_User.permissionset-meta.xml',
  page: 'force-app/main/default/pages/SfLinkCanvas.page',
  auraComponent: 'force-app/main/default/aura/SfLinkCanvas/SfLinkCanvas.cmp',
  tab: 'force-app/main/default/tabs/SF_Link.tab-meta.xml',
  connectedApp: 'connected-app/main/default/connectedApps/SF_Link.connectedApp-meta.xml',
}

describe('sfdx-project: source-deploy-retrieve', () => {
  it('uses the standard layout with an API version that has ExtlClntAppCanvasSettings (66.0+)', () => {
    const project = readSfdxProject()
    expect(project.packageDirectories.find((dir) => dir.default)?.path).toBe('force-app')
    expect(Number(project.sourceApiVersion)).toBeGreaterThanOrEqual(66)
  })

  it('resolves every file to a component of the expected type and name', () => {
    const set = componentSet()
    const components = set.getSourceComponents().toArray()
    expect(components.map((c) => `${c.type.name}:${c.fullName}`).sort()).toEqual(EXPECTED_COMPONENTS)
    // Every source file belongs to some component: nothing is silently left out of a deploy.
    const claimed = new Set(
      components.flatMap((c) =>
        [c.xml, ...c.walkContent(), c.content].filter((p): p is string => typeof p === 'string'),
      ),
    )
    const unclaimed = sourceFiles().filter(
      (file) => ![...claimed].some((owner) => file === owner || file.startsWith(`${owner}${path.sep}`)),
    )
    expect(unclaimed).toEqual([])
  })

  it('converts to Metadata API format, with a package.xml listing every component', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'sflink-mdapi-'))
    tempDirs.push(out)
    const packagePath = await convertToMetadataFormat(SFDX_PROJECT_DIR, out)
    const manifest = xml.parse(readFileSync(path.join(packagePath, 'package.xml'), 'utf8')).Package
    const listed = [manifest.types]
      .flat()
      .flatMap((t: { name: string; members: string | string[] }) => [t.members].flat().map((m) => `${t.name}:${m}`))
    expect(listed.sort()).toEqual(EXPECTED_COMPONENTS)
    expect(manifest.version).toBe(readSfdxProject().sourceApiVersion)
    for (const file of [
      'externalClientApps/SF_Link.eca',
      'extlClntAppCanvasSettings/SF_Link_canvas.ecaCanvas',
      'extlClntAppGlobalOauthSets/SF_Link_glbloauth.ecaGlblOauth',
      'extlClntAppOauthSettings/SF_Link_oauth.ecaOauth',
      'extlClntAppPolicies/SF_Link_plcy.ecaPlcy',
      'extlClntAppOauthPolicies/SF_Link_oauthPlcy.ecaOauthPlcy',
      'connectedApps/SF_Link.connectedApp',
      'permissionsets/SF_Link_User.permissionset',
      'pages/SfLinkCanvas.page',
      'aura/SfLinkCanvas/SfLinkCanvas.cmp',
      'tabs/SF_Link.tab',
    ]) {
      expect(() => readFileSync(path.join(packagePath, file)), file).not.toThrow()
    }
  })
})

describe('sfdx-project: XML', () => {
  const xmlFiles = sourceFiles().filter((file) => /(\.xml|\.page|\.cmp)$/.test(file))

  it('covers every source file (metadata, Visualforce page, Aura markup are all XML)', () => {
    expect(xmlFiles).toEqual(sourceFiles())
    expect(xmlFiles.length).toBeGreaterThan(0)
  })

  it.each(xmlFiles.map((file) => [path.relative(SFDX_PROJECT_DIR, file), file]))('%s is well-formed', (_name, file) => {
    expect(XMLValidator.validate(readFileSync(file, 'utf8'))).toBe(true)
  })
})

describe('sfdx-project: Metadata API schema', () => {
  const jsforce = loadJsforceSchema()
  const salesforceTypes = loadSalesforceTypesSchema()
  const metaFiles = sourceFiles().filter((file) => file.endsWith('-meta.xml'))

  it.each(metaFiles.map((file) => [path.relative(SFDX_PROJECT_DIR, file), file]))(
    '%s matches the schema',
    (_name, file) => {
      const content = readFileSync(file, 'utf8')
      const root = rootElementName(content)!
      const schemas = [jsforce, salesforceTypes].filter((schema) => schema.types.has(root))
      expect(schemas.length, `no schema knows ${root}`).toBeGreaterThan(0)
      for (const schema of schemas) expect(checkMetadataXml(content, schema), schema.source).toEqual([])
    },
  )

  it('checks the ConnectedApp against the jsforce schema, canvasConfig and oauthConfig included', () => {
    const content = readFileSync(sourceFile(files.connectedApp), 'utf8')
    expect(checkMetadataXml(content, jsforce)).toEqual([])
    // The walk really descends: these children are only reachable through the nested types.
    expect(jsforce.types.get('ConnectedAppCanvasConfig')?.fields.map((f) => f.name)).toContain('locations')
    expect(jsforce.types.get('ConnectedAppOauthConfig')?.fields.map((f) => f.name)).toContain('scopes')
  })

  // Self-checks: the checker must catch what a deploy would reject.
  const connectedApp = readFileSync(sourceFile(files.connectedApp), 'utf8')

  it('catches a misspelt element inside canvasConfig', () => {
    const broken = connectedApp.replace('<accessMethod>Post</accessMethod>', '<acessMethod>Post</acessMethod>')
    expect(broken).not.toBe(connectedApp)
    const problems = checkMetadataXml(broken, jsforce)
    expect(problems).toContainEqual(expect.stringContaining('ConnectedApp/canvasConfig/acessMethod'))
    expect(problems).toContainEqual(expect.stringContaining('required element "accessMethod"'))
  })

  it('catches a misspelt element inside oauthConfig and at the top level', () => {
    const broken = connectedApp
      .replace('<callbackUrl>', '<callbackURL>')
      .replace('</callbackUrl>', '</callbackURL>')
      .replace('<contactEmail>', '<contactMail>')
      .replace('</contactEmail>', '</contactMail>')
    const problems = checkMetadataXml(broken, jsforce)
    expect(problems).toContainEqual(expect.stringContaining('ConnectedApp/oauthConfig/callbackURL'))
    expect(problems).toContainEqual(expect.stringContaining('ConnectedApp/contactMail'))
  })

  it('catches elements out of order and invalid enumeration values', () => {
    const swapped = connectedApp.replace(/(\s*<label>[^<]*<\/label>)(\s*<oauthConfig>[\s\S]*?<\/oauthConfig>)/, '$2$1')
    expect(swapped).not.toBe(connectedApp)
    expect(checkMetadataXml(swapped, jsforce)).toContainEqual(expect.stringContaining('out of order'))
    const badLocation = connectedApp.replace('<locations>Visualforce</locations>', '<locations>VisualForce</locations>')
    expect(checkMetadataXml(badLocation, salesforceTypes)).toContainEqual(
      expect.stringContaining('"VisualForce" is not a CanvasLocationOptions'),
    )
  })

  it('catches a misspelt element in an External Client App settings file', () => {
    const canvas = readFileSync(sourceFile(files.ecaCanvas), 'utf8').replace(
      /canvasLocationOptions/g,
      'canvasLocations',
    )
    expect(checkMetadataXml(canvas, salesforceTypes)).toContainEqual(
      expect.stringContaining('has no element "canvasLocations"'),
    )
  })
})

describe('sfdx-project: SF Link settings', () => {
  const httpsUrl = (value: string) => new URL(value)

  it('exposes the External Client App as a signed-request (POST) canvas app at /canvas', () => {
    const canvas = readMetadata(files.ecaCanvas)
    expect(canvas.externalClientApplication).toBe(ECA)
    expect(canvas.accessMethod).toBe('Post')
    expect(httpsUrl(canvas.canvasUrl)).toMatchObject({ protocol: 'https:', pathname: '/canvas' })
    expect(canvas.canvasLocationOptions).toEqual(expect.arrayContaining(['Aura', 'Visualforce']))
  })

  it('asks for the api and refresh_token scopes, so the signed request carries a refresh token', () => {
    const oauth = readMetadata(files.ecaOauth)
    expect(oauth.externalClientApplication).toBe(ECA)
    expect(
      oauth.commaSeparatedOauthScopes
        .split(',')
        .map((s: string) => s.trim())
        .sort(),
    ).toEqual(['Api', 'RefreshToken'])
    const global = readMetadata(files.ecaGlobalOauth)
    expect(global.externalClientApplication).toBe(ECA)
    expect(httpsUrl(global.callbackUrl)).toMatchObject({ protocol: 'https:', pathname: '/oauth/salesforce/callback' })
    expect(global.isPkceRequired).toBe('true')
  })

  it('ships the External Client App policies: the canvas (and OAuth) plugin on', () => {
    const policies = readMetadata(files.ecaPolicies)
    expect(policies).toMatchObject({
      externalClientApplication: ECA,
      isEnabled: 'true',
      isCanvasPluginEnabled: 'true',
      isOauthPluginEnabled: 'true',
    })
  })

  it('pre-authorizes admin approved users by default (the signed request arrives by POST with its refresh token), refresh tokens valid until revoked', () => {
    const oauthPolicies = readMetadata(files.ecaOauthPolicies)
    expect(oauthPolicies).toMatchObject({
      externalClientApplication: ECA,
      permittedUsersPolicyType: 'AdminApprovedPreAuthorized',
      commaSeparatedPermissionSet: 'SF_Link_User',
      refreshTokenPolicyType: 'Infinite',
    })
    // The permission set it names is the one the project ships.
    expect(readMetadata(files.permissionSet)).toBeTruthy()
  })

  it('configures the classic connected app the same way', () => {
    const app = readMetadata(files.connectedApp)
    expect(app.canvasConfig.accessMethod).toBe('Post')
    expect(httpsUrl(app.canvasConfig.canvasUrl).pathname).toBe('/canvas')
    expect(app.canvasConfig.locations).toEqual(expect.arrayContaining(['Aura', 'Visualforce', 'Chatter']))
    expect(httpsUrl(app.oauthConfig.callbackUrl).pathname).toBe('/oauth/salesforce/callback')
    expect([...app.oauthConfig.scopes].sort()).toEqual(['Api', 'RefreshToken'])
    expect(app.oauthConfig.isAdminApproved).toBe('true')
    expect(app.permissionSetName).toEqual(['SF_Link_User'])
  })

  it('embeds the same canvas app in the Visualforce page and the Aura component, and the tab opens the component', () => {
    const page = readFileSync(sourceFile(files.page), 'utf8')
    expect(page).toMatch(new RegExp(`<apex:canvasApp[^>]*developerName="${ECA}"`))
    const component = readFileSync(sourceFile(files.auraComponent), 'utf8')
    expect(component).toMatch(new RegExp(`<force:canvasApp[^>]*developerName="${ECA}"`))
    expect(component).toMatch(/implements="[^"]*force:appHostable/)
    expect(readMetadata(files.tab).auraComponent).toBe('SfLinkCanvas')
    expect(readMetadata(files.connectedApp).label).toBe(readMetadata(files.eca).label)
  })

  it('grants the page and the tab through the permission set', () => {
    const permissionSet = readMetadata(files.permissionSet)
    expect(permissionSet.pageAccesses).toEqual([{ apexPage: 'SfLinkCanvas', enabled: 'true' }])
    expect(permissionSet.tabSettings).toEqual([{ tab: 'SF_Link', visibility: 'Visible' }])
  })

  it('commits the placeholder host only (sfdx:configure writes the real one)', () => {
    const urls = sourceFiles().flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/<(?:canvasUrl|callbackUrl)>([^<]*)</g)].map((m) => m[1]),
    )
    expect(urls).toHaveLength(4)
    for (const url of urls) expect(new URL(url).host).toBe('sflink.example.com')
  })

  it('commits no consumer secret, key, certificate or org-specific ID', () => {
    for (const file of sourceFiles()) {
      const content = readFileSync(file, 'utf8')
      const name = path.relative(SFDX_PROJECT_DIR, file)
      expect(content, name).not.toMatch(
        /<(consumerKey|consumerSecret|certificate|oauthLink|orgScopedExternalApp|clientAssertionCertificate)>/,
      )
      expect(content, name).not.toMatch(/-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----/)
      expect(content, name).not.toMatch(/\b3MVG[0-9A-Za-z._]{20,}/) // consumer keys
      expect(content, name).not.toMatch(/\b(00D|005|0H4|0Ci|0PS|00e|0tb)[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?\b/) // record IDs
    }
  })
})
