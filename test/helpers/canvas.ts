/** Signed requests for tests: the real one from the conformance folder, and synthetic ones shaped like it. */
import { signCanvasRequest } from '../../server/src/canvas/signed-request.js'
import { realSignedRequest } from './conformance.js'

export function conformanceRequest(): { consumerSecret: string; signedRequest: string; payload: any } {
  const data = realSignedRequest()
  const payload = JSON.parse(Buffer.from(data.signedRequest.split('.')[1], 'base64').toString('utf8'))
  return { consumerSecret: data.consumerSecret, signedRequest: data.signedRequest, payload }
}

/** A signed request like the real one, for another user/org, signed with `secret`. */
export function makeSignedRequest(
  secret: string,
  overrides: {
    userId?: string
    orgId?: string
    userName?: string
    email?: string
    fullName?: string
    oauthToken?: string
    refreshToken?: string | null
    instanceUrl?: string
  } = {},
): string {
  const base = conformanceRequest().payload
  const userId = overrides.userId ?? base.userId
  const payload = {
    ...base,
    userId,
    client: {
      ...base.client,
      oauthToken: overrides.oauthToken ?? base.client.oauthToken,
      refreshToken: overrides.refreshToken ?? null,
      instanceUrl: overrides.instanceUrl ?? base.client.instanceUrl,
    },
    context: {
      ...base.context,
      user: {
        ...base.context.user,
        userId,
        userName: overrides.userName ?? base.context.user.userName,
        email: overrides.email ?? base.context.user.email,
        fullName: overrides.fullName ?? base.context.user.fullName,
      },
      organization: {
        ...base.context.organization,
        organizationId: overrides.orgId ?? base.context.organization.organizationId,
      },
    },
  }
  return signCanvasRequest(JSON.stringify(payload), secret)
}

export function bootstrapOf(html: string): any {
  const m = /<script type="application\/json" id="canvas-bootstrap">([\s\S]*?)<\/script>/.exec(html)
  if (!m) throw new Error('no canvas bootstrap in page')
  return JSON.parse(m[1]!)
}
