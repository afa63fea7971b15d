/**
 * The notification emails, each in plain text and HTML, from one description per kind.
 * Templates see only what the outbox row holds (credential kind, Salesforce username, error
 * code, times): never a password, token or key, which the outbox never receives.
 */
import { ERRORS, type ErrorCode } from '../errors.js'
import { escapeHtml } from '../http/html.js'

import { NOTIFICATION_KINDS, type NotificationKind } from '../contract/notification-kinds.js'

export { NOTIFICATION_KINDS }
export type { NotificationKind }

export function isNotificationKind(kind: string): kind is NotificationKind {
  return (NOTIFICATION_KINDS as readonly string[]).includes(kind)
}

export interface RenderContext {
  /** Where the fix is: Link Accounts in the app. */
  fixUrl: string
  /** Where the API budget and the cap are: the Sync health page. */
  syncUrl: string
  /** One click turns these emails off for the account (signed token). */
  unsubscribeUrl: string
  /** Settings page where they are turned back on. */
  settingsUrl: string
  data: Record<string, unknown>
}

export interface RenderedMail {
  subject: string
  text: string
  html: string
}

const KIND_NAMES: Record<string, string> = {
  password_token: 'username, password and security token',
  oauth_refresh: 'Connect with Salesforce authorization',
  jwt_bearer: 'JWT bearer (server-to-server) access',
  canvas: 'Salesforce session',
}

/** Why it broke, in plain words, and what fixes it. */
const REASONS: Partial<Record<ErrorCode, { why: string; fix: string }>> = {
  SF_INVALID_LOGIN: {
    why: 'Salesforce no longer accepts the username, password or security token SF Link has. This almost always means the security token was reset or the password was changed in Salesforce.',
    fix: 'Open Link Accounts and enter the new security token (Salesforce emails it to you after a reset), or the new password.',
  },
  SF_SECURITY_TOKEN_REQUIRED: {
    why: "Salesforce now asks for the security token: SF Link is outside your org's trusted IP ranges.",
    fix: 'Open Link Accounts and add your security token.',
  },
  SF_LOCKED_OUT: {
    why: 'Salesforce has locked your user after too many failed logins.',
    fix: 'Wait for the lockout to end or ask your Salesforce admin to unlock you, then check Link Accounts.',
  },
  SF_AUTHORIZATION_REVOKED: {
    why: 'The access you granted SF Link in Salesforce was revoked or has expired.',
    fix: 'Open Link Accounts and choose Connect with Salesforce again.',
  },
  SF_PASSWORD_EXPIRED: {
    why: 'Your Salesforce password has expired.',
    fix: 'Change it in Salesforce, then enter the new password and the new security token on Link Accounts.',
  },
  SF_SOAP_LOGIN_DISABLED: {
    why: 'Your org turned off username-and-password API logins.',
    fix: 'Open Link Accounts and use Connect with Salesforce instead.',
  },
  SF_LOGIN_NOT_PERMITTED: {
    why: 'Salesforce now requires the "Use Any API Auth" permission for username-and-password API logins, and your user does not have it.',
    fix: 'Open Link Accounts and use Connect with Salesforce instead (it does not need that permission).',
  },
  SF_API_DISABLED: {
    why: 'Your Salesforce org or profile no longer allows API access.',
    fix: 'Ask your Salesforce admin to enable "API Enabled" on your profile, then check Link Accounts.',
  },
}

export function reasonInWords(code: unknown): { why: string; fix: string } {
  const known = typeof code === 'string' ? REASONS[code as ErrorCode] : undefined
  if (known) return known
  const message = typeof code === 'string' && code in ERRORS ? ERRORS[code as ErrorCode].message : null
  return {
    why: message ?? 'Salesforce refused the credential SF Link uses.',
    fix: 'Open Link Accounts and update the credential.',
  }
}

function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' && value.trim() !== '' ? value : fallback
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

function when(value: unknown): string {
  const d = typeof value === 'string' || value instanceof Date ? new Date(value) : null
  return d && !Number.isNaN(d.getTime()) ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : ''
}

/** A mail before layout: subject, paragraphs, one call to action. */
interface Body {
  subject: string
  heading: string
  paragraphs: string[]
  action: { label: string; url: string } | null
}

function credentialWho(data: Record<string, unknown>): string {
  const username = str(data.username)
  const kind = KIND_NAMES[str(data.credentialKind)] ?? 'credential'
  return username ? `the ${kind} of ${username}` : `its ${kind}`
}

function describe(kind: NotificationKind, ctx: RenderContext): Body {
  const d = ctx.data
  const fix = { label: 'Fix it on Link Accounts', url: ctx.fixUrl }
  switch (kind) {
    case 'access_broken': {
      const reason = reasonInWords(d.reason)
      return {
        subject: 'SF Link lost access to Salesforce: action needed',
        heading: 'SF Link can no longer reach your Salesforce org',
        paragraphs: [
          `Salesforce refused ${credentialWho(d)}${when(d.brokenAt) ? ` at ${when(d.brokenAt)}` : ''}.`,
          `Why: ${reason.why}`,
          d.otherCredentialWorks === true
            ? 'SF Link still reaches Salesforce with your other stored access, and will not try the refused login again (so your Salesforce user does not get locked). Fix or remove it so it is ready when needed.'
            : 'Until it is fixed, SF Link pauses its background work for you: unsubscribes are kept and wait, and nothing is sent to Salesforce with the refused login again, so your Salesforce user does not get locked.',
          `What to do: ${reason.fix}`,
        ],
        action: fix,
      }
    }
    case 'access_reminder': {
      const reason = reasonInWords(d.reason)
      const hours = num(d.hours) ?? 24
      return {
        subject: `Reminder: SF Link still has no access to Salesforce (${hours} hours)`,
        heading: `Salesforce access has been broken for ${hours} hours`,
        paragraphs: [
          `Salesforce has been refusing ${credentialWho(d)} since ${when(d.brokenAt) || 'it broke'}.`,
          `Why: ${reason.why}`,
          'Unsubscribes and other background work keep waiting until access works again; nothing is lost.',
          `What to do: ${reason.fix}`,
        ],
        action: fix,
      }
    }
    case 'access_restored':
      return {
        subject: 'SF Link can reach Salesforce again',
        heading: 'Salesforce access works again',
        paragraphs: [
          `Salesforce accepts ${credentialWho(d)} again${when(d.restoredAt) ? ` (since ${when(d.restoredAt)})` : ''}.`,
          'SF Link resumes the paused background work where it stopped. There is nothing else to do.',
        ],
        action: { label: 'Open Link Accounts', url: ctx.fixUrl },
      }
    case 'api_cap_reached': {
      const used = num(d.used)
      const cap = num(d.cap)
      const resumes = when(d.resumesAt)
      return {
        subject: 'SF Link paused its Salesforce work: API cap reached',
        heading: 'SF Link reached the API cap you set',
        paragraphs: [
          `SF Link made ${used ?? 'as many'} Salesforce API calls in the last 24 hours${cap !== null ? `, reaching your cap of ${cap}` : ', reaching the cap you set'}.`,
          `Background work is paused so your org keeps its API allowance for everyone else${resumes ? `; it resumes by itself at ${resumes}` : '; it resumes by itself in the next window'}. Nothing is lost.`,
          'To resume sooner, raise the cap on the Sync health page.',
        ],
        action: { label: 'Open Sync health', url: ctx.syncUrl },
      }
    }
  }
}

export function renderNotification(kind: NotificationKind, ctx: RenderContext): RenderedMail {
  const body = describe(kind, ctx)
  const footer = `You get this email because you have an SF Link account linked to Salesforce. Stop these emails: ${ctx.unsubscribeUrl}\nTurn them back on under Settings → Link Accounts: ${ctx.settingsUrl}`
  const text = [
    body.heading,
    '',
    ...body.paragraphs.flatMap((p) => [p, '']),
    ...(body.action ? [`${body.action.label}: ${body.action.url}`, ''] : []),
    '-- ',
    footer,
    '',
  ].join('\n')
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(body.subject)}</title></head>
<body style="font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; color: #181818; line-height: 1.5; max-width: 600px; margin: 0 auto; padding: 16px;">
<h1 style="font-size: 20px; margin: 0 0 16px;">${escapeHtml(body.heading)}</h1>
${body.paragraphs.map((p) => `<p style="margin: 0 0 12px;">${escapeHtml(p)}</p>`).join('\n')}
${
  body.action
    ? `<p style="margin: 20px 0;"><a href="${escapeHtml(body.action.url)}" style="background: #0176d3; color: #ffffff; padding: 10px 16px; border-radius: 4px; text-decoration: none; display: inline-block;">${escapeHtml(body.action.label)}</a></p>`
    : ''
}
<hr style="border: none; border-top: 1px solid #e5e5e5; margin: 24px 0 12px;">
<p style="font-size: 12px; color: #5c5c5c;">You get this email because you have an SF Link account linked to Salesforce.
<a href="${escapeHtml(ctx.unsubscribeUrl)}">Stop these emails</a> · turn them back on under <a href="${escapeHtml(ctx.settingsUrl)}">Settings → Link Accounts</a>.</p>
</body></html>
`
  return { subject: body.subject, text, html }
}

/** Example data for the preview route: what each kind looks like for this account. */
export function sampleData(kind: NotificationKind, username: string | null, now: Date): Record<string, unknown> {
  const base = { credentialKind: 'password_token', username: username ?? 'you@example.com', reason: 'SF_INVALID_LOGIN' }
  switch (kind) {
    case 'access_broken':
      return { ...base, brokenAt: now.toISOString() }
    case 'access_reminder':
      return { ...base, hours: 24, brokenAt: new Date(now.getTime() - 24 * 3600_000).toISOString() }
    case 'access_restored':
      return { ...base, restoredAt: now.toISOString() }
    case 'api_cap_reached':
      return { used: 5000, cap: 5000, resumesAt: new Date(now.getTime() + 6 * 3600_000).toISOString() }
  }
}
