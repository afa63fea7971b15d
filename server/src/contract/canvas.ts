/** What `POST /canvas` puts in the page, for the UI to start from. */
import { Type, type Static } from 'typebox'

/** The JSON in `<script type="application/json" id="canvas-bootstrap">` (server/src/canvas/page.ts). */
export const CanvasBootstrapSchema = Type.Object({
  token: Type.String(),
  expiresAt: Type.String(),
  linked: Type.Boolean(),
  salesforceUserId: Type.String(),
  organizationId: Type.String(),
  instanceUrl: Type.String(),
  user: Type.Object({ fullName: Type.String(), email: Type.String(), userName: Type.String() }),
  /** What the Canvas SDK needs to talk to its parent (never the tokens). */
  client: Type.Object({ instanceId: Type.String(), targetOrigin: Type.String() }),
})
export type CanvasBootstrap = Static<typeof CanvasBootstrapSchema>
