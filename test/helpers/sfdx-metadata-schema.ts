/**
 * Checks Salesforce metadata XML against the Metadata API schema, element by element, so a
 * misspelt or misplaced element fails a test here instead of a deploy in someone's org
 * ("Element {…}acessMethod invalid at this location in type ConnectedAppCanvasConfig").
 *
 * Two schemas, both generated from Salesforce's metadata WSDL and shipped in node_modules:
 * - jsforce's (`jsforce/lib/api/metadata/schema.js`): element names, order and required
 *   elements; it predates External Client Apps.
 * - `@salesforce/types` (a dependency of @salesforce/source-deploy-retrieve): a newer WSDL with
 *   the External Client App types and the enumerations (canvas locations, OAuth scopes, …).
 * Neither library offers a validator, hence this small walker over fast-xml-parser's output.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { XMLParser } from 'fast-xml-parser'
import { ApiSchemas } from 'jsforce/lib/api/metadata/schema.js'
import ts from 'typescript'

export const METADATA_NAMESPACE = 'http://soap.sforce.com/2006/04/metadata'

export type FieldSpec = { name: string; type: string; array: boolean; optional: boolean }
export type TypeSpec = { name: string; fields: FieldSpec[]; base?: string }
export type MetadataSchema = {
  source: string
  types: Map<string, TypeSpec>
  enums: Map<string, string[]>
}

/** jsforce describes a field as 'string' | '?string' | 'Type' | '?Type' | ['Type']. */
export function loadJsforceSchema(): MetadataSchema {
  const types = new Map<string, TypeSpec>()
  const specs: Record<string, { props?: Record<string, string | readonly string[]>; extends?: string }> = ApiSchemas
  for (const [name, spec] of Object.entries(specs)) {
    const fields = Object.entries(spec.props ?? {}).map(([field, raw]): FieldSpec => {
      const array = typeof raw !== 'string'
      const text = typeof raw === 'string' ? raw : raw[0]
      return { name: field, type: text.replace(/^\?/, ''), array, optional: array || text.startsWith('?') }
    })
    types.set(name, { name, fields, base: spec.extends })
  }
  return { source: 'jsforce metadata schema', types, enums: new Map() }
}

function typeName(node: ts.TypeNode): string {
  if (ts.isTypeReferenceNode(node)) return node.typeName.getText()
  return node.getText() // string, number, boolean
}

/** Reads the type aliases of @salesforce/types/metadata (a .d.ts) with the TypeScript parser. */
export function loadSalesforceTypesSchema(): MetadataSchema {
  const sdrRequire = createRequire(createRequire(import.meta.url).resolve('@salesforce/source-deploy-retrieve'))
  const file = sdrRequire.resolve('@salesforce/types/metadata').replace(/\.js$/, '.d.ts')
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
  const types = new Map<string, TypeSpec>()
  const enums = new Map<string, string[]>()
  const readMembers = (literal: ts.TypeLiteralNode): FieldSpec[] =>
    literal.members.filter(ts.isPropertySignature).map((member) => {
      const node = member.type!
      const array = ts.isArrayTypeNode(node)
      return {
        name: member.name.getText(),
        type: typeName(array ? node.elementType : node),
        array,
        optional: array || member.questionToken !== undefined,
      }
    })
  for (const statement of source.statements) {
    if (!ts.isTypeAliasDeclaration(statement)) continue
    const name = statement.name.text
    const node = statement.type
    if (ts.isUnionTypeNode(node) && node.types.every((t) => ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal))) {
      enums.set(
        name,
        node.types.map((t) => ((t as ts.LiteralTypeNode).literal as ts.StringLiteral).text),
      )
    } else if (ts.isTypeLiteralNode(node)) {
      types.set(name, { name, fields: readMembers(node) })
    } else if (ts.isIntersectionTypeNode(node) && node.types.length === 2 && ts.isTypeLiteralNode(node.types[1])) {
      types.set(name, { name, base: typeName(node.types[0]), fields: readMembers(node.types[1]) })
    }
  }
  return { source: '@salesforce/types metadata', types, enums }
}

/** Fields in document order: the base type's sequence comes first, as in the WSDL. */
function allFields(schema: MetadataSchema, type: string): FieldSpec[] {
  const spec = schema.types.get(type)
  if (!spec) return []
  return [...(spec.base ? allFields(schema, spec.base) : []), ...spec.fields]
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> }

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  trimValues: true,
})

function elementName(node: OrderedNode): string | undefined {
  return Object.keys(node).find((key) => key !== ':@' && key !== '#text' && key !== '?xml')
}

function textOf(children: OrderedNode[]): string {
  return children.map((child) => (typeof child['#text'] === 'string' ? child['#text'] : '')).join('')
}

function checkValue(schema: MetadataSchema, field: FieldSpec, value: string, where: string, problems: string[]): void {
  const allowed = schema.enums.get(field.type)
  if (allowed && !allowed.includes(value)) {
    problems.push(`${where}: "${value}" is not a ${field.type} (one of ${allowed.join(', ')})`)
  } else if (field.type === 'boolean' && value !== 'true' && value !== 'false') {
    problems.push(`${where}: "${value}" is not a boolean`)
  } else if (field.type === 'number' && !/^-?\d+(\.\d+)?$/.test(value)) {
    problems.push(`${where}: "${value}" is not a number`)
  }
}

function checkChildren(
  schema: MetadataSchema,
  type: string,
  children: OrderedNode[],
  where: string,
  problems: string[],
): void {
  const fields = allFields(schema, type)
  const seen = new Set<string>()
  let lastIndex = -1
  for (const child of children) {
    const name = elementName(child)
    if (name === undefined) continue
    const path = `${where}/${name}`
    const index = fields.findIndex((field) => field.name === name)
    if (index < 0) {
      problems.push(`${path}: ${type} has no element "${name}"`)
      continue
    }
    const field = fields[index]
    if (index < lastIndex) problems.push(`${path}: out of order in ${type} (expected before ${fields[lastIndex].name})`)
    if (seen.has(name) && !field.array) problems.push(`${path}: repeated, but ${type}.${name} is not a list`)
    lastIndex = Math.max(lastIndex, index)
    seen.add(name)
    const grandChildren = child[name] as OrderedNode[]
    if (schema.types.has(field.type)) checkChildren(schema, field.type, grandChildren, path, problems)
    else checkValue(schema, field, textOf(grandChildren), path, problems)
  }
  for (const field of fields) {
    if (!field.optional && field.name !== 'fullName' && !seen.has(field.name)) {
      problems.push(`${where}: required element "${field.name}" of ${type} is missing`)
    }
  }
}

/**
 * Answers the problems found (empty when the XML fits the schema). The root element names the
 * metadata type; a root the schema does not know is reported, so callers pick the schema.
 */
export function checkMetadataXml(xml: string, schema: MetadataSchema): string[] {
  const problems: string[] = []
  const document = parser.parse(xml) as OrderedNode[]
  const root = document.find((node) => elementName(node) !== undefined)
  const rootName = root ? elementName(root)! : undefined
  if (!root || !rootName) return ['no root element']
  if (!schema.types.has(rootName)) return [`${rootName}: not a metadata type in the ${schema.source}`]
  const namespace = root[':@']?.xmlns
  if (namespace !== METADATA_NAMESPACE)
    problems.push(`${rootName}: xmlns is ${namespace ?? 'missing'}, expected ${METADATA_NAMESPACE}`)
  checkChildren(schema, rootName, root[rootName] as OrderedNode[], rootName, problems)
  return problems
}

export function rootElementName(xml: string): string | undefined {
  const document = parser.parse(xml) as OrderedNode[]
  const root = document.find((node) => elementName(node) !== undefined)
  return root ? elementName(root) : undefined
}
