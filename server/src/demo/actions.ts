/**
 * Demo mode: what Salesforce can do to a person's access, one button each, through the
 * simulator's control API (simulator/README.md, "Control API"), with one sentence on what the
 * person will then see in SF Link.
 */
import crypto from 'node:crypto'

export type DemoActionId = 'reset-token' | 'change-password' | 'expire-sessions' | 'revoke-access' | 'soap-login-off'

export interface DemoAction {
  id: DemoActionId
  label: string
  /** What the person will then see in SF Link. */
  explanation: string
}

export const DEMO_ACTIONS: readonly DemoAction[] = [
  {
    id: 'reset-token',
    label: 'Reset security token',
    explanation:
      'Salesforce emails a new token and the old one dies: a stored username + password + token stops working at its next login and Link Accounts asks for the new token. A reset alone changes nothing visible when the first canvas visit already stored a working refresh token (SF Link uses that, not the token).',
  },
  {
    id: 'change-password',
    label: 'Change password',
    explanation:
      'The password and the security token change (a new token is emailed): a stored password credential needs attention, while Connect with Salesforce and the canvas refresh token keep working (a password change does not revoke them).',
  },
  {
    id: 'expire-sessions',
    label: 'Expire sessions',
    explanation:
      'Every Salesforce session ends; refresh tokens stay valid. SF Link logs in again on its next operation without you noticing; inside Salesforce the page renews its session by itself.',
  },
  {
    id: 'revoke-access',
    label: 'Revoke access',
    explanation:
      'Salesforce revokes SF Link’s refresh tokens and sessions for this user: outside Salesforce, Link Accounts shows SF_AUTHORIZATION_REVOKED and offers Connect with Salesforce; the next visit inside Salesforce gives SF Link a new refresh token.',
  },
  {
    id: 'soap-login-off',
    label: 'Turn SOAP login off',
    explanation:
      'The org switches SOAP login() off, as orgs created from Winter ’26 have it: a stored username + password + token fails with SF_SOAP_LOGIN_DISABLED and Link Accounts leads to Connect with Salesforce, after which SF Link deletes the stored password and token.',
  },
]

export function isDemoAction(id: string): id is DemoActionId {
  return DEMO_ACTIONS.some((a) => a.id === id)
}

/** The simulator control call for an action (a new password is generated for a password change). */
export function controlRequest(
  action: DemoActionId,
  user: { id: string; organizationId: string },
): { method: 'POST' | 'PUT'; path: string; body?: Record<string, unknown> } {
  const id = encodeURIComponent(user.id)
  switch (action) {
    case 'reset-token':
      return { method: 'POST', path: `/_sim/users/${id}/reset-token` }
    case 'change-password':
      return {
        method: 'POST',
        path: `/_sim/users/${id}/password`,
        body: { password: `Demo-${crypto.randomBytes(4).toString('hex')}-9!` },
      }
    case 'expire-sessions':
      return { method: 'POST', path: '/_sim/sessions/expire' }
    case 'revoke-access':
      return { method: 'POST', path: `/_sim/users/${id}/revoke-tokens` }
    case 'soap-login-off':
      return {
        method: 'PUT',
        path: `/_sim/orgs/${encodeURIComponent(user.organizationId)}/settings`,
        body: { soapLoginEnabled: false },
      }
  }
}
