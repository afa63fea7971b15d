import { useState } from 'preact/hooks'
import { fetchDemoInfo, runDemoAction, toApiError, type ApiError } from '../api.js'
import { useApp } from '../app-context.js'
import type { DemoInfo } from '../types.js'
import { Banner } from './alerts.js'
import { ButtonIcon } from './icon.js'

/**
 * What the simulated Salesforce can be made to do to a demo user (reset the token, change the
 * password, expire sessions, revoke access, turn SOAP login off), each with one sentence on
 * what the person will then see. The server lists the actions and runs them (server/src/demo).
 */
function DemoActions({ demo, onDone }: { demo: DemoInfo; onDone: () => void }) {
  const [userId, setUserId] = useState(demo.users[0]?.id ?? '')
  const [busy, setBusy] = useState<string | null>(null)
  const [done, setDone] = useState<{ label: string; explanation: string } | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  if (demo.actions.length === 0 || demo.users.length === 0) return null
  const run = async (actionId: string) => {
    setBusy(actionId)
    setError(null)
    try {
      setDone(await runDemoAction(actionId, userId))
      onDone()
    } catch (e) {
      setError(toApiError(e))
    } finally {
      setBusy(null)
    }
  }
  return (
    <div class="sfl-demo-actions" data-testid="demo-actions">
      <p class="slds-m-top_x-small">
        <label for="demo-action-user">Make Salesforce do this to </label>
        <select id="demo-action-user" value={userId} onChange={(e) => setUserId((e.target as HTMLSelectElement).value)}>
          {demo.users.map((u) => (
            <option key={u.id} value={u.id}>
              {u.username}
            </option>
          ))}
        </select>
      </p>
      <ul class="sfl-demo-actions__list">
        {demo.actions.map((a) => (
          <li key={a.id}>
            <button
              type="button"
              class="slds-button slds-button_neutral"
              data-action={a.id}
              disabled={busy !== null}
              onClick={() => void run(a.id)}
            >
              {a.label}
            </button>{' '}
            <span class="slds-text-body_small">{a.explanation}</span>
          </li>
        ))}
      </ul>
      {done && (
        <p role="status" data-testid="demo-action-done">
          Done: {done.label}. {done.explanation}
        </p>
      )}
      {error && (
        <p role="alert" data-testid="demo-action-error">
          {error.message} (<code>{error.code}</code>)
        </p>
      )}
    </div>
  )
}

/** Demo mode (`GET /demo.json` answered): where the simulated Salesforce is, its users, and what it can do. */
export function DemoBanner() {
  const { demo: initial, reloadLink } = useApp()
  const [open, setOpen] = useState(false)
  const [openActions, setOpenActions] = useState(false)
  // A password change or token reset changes what the users table shows: read it again.
  const [fresh, setFresh] = useState<DemoInfo | null>(null)
  const demo = fresh ?? initial
  if (!demo) return null
  const host = `${demo.simulatorUrl}/canvas-host`
  const afterAction = () => {
    void fetchDemoInfo().then((next) => next && setFresh(next))
    reloadLink()
  }
  return (
    <Banner tone="info" testId="demo-banner">
      <h2 class="sfl-banner__title">
        Demo mode: Salesforce is simulated at <span class="sfl-mono">{demo.simulatorUrl}</span>.{' '}
        <a href={host} target="_blank" rel="noopener">
          Open SF Link inside the simulated Salesforce
        </a>
        {demo.mailUrl && (
          <>
            {' · '}
            <a href={demo.mailUrl} target="_blank" rel="noopener" data-testid="demo-mail-link">
              Mail SF Link sent
            </a>
          </>
        )}
      </h2>
      {demo.users.length > 0 && (
        <div class="sfl-demo-users">
          <button
            type="button"
            class="slds-button sfl-banner__toggle"
            aria-expanded={open}
            aria-controls="demo-users"
            onClick={() => setOpen(!open)}
          >
            <ButtonIcon name={open ? 'chevrondown' : 'chevronright'} left />
            Demo Salesforce users ({demo.users.length})
          </button>
          {open && (
            <div id="demo-users" class="sfl-demo-users__table">
              <table class="slds-table slds-table_cell-buffer slds-table_bordered slds-table_striped">
                <caption class="slds-assistive-text">Simulated Salesforce users</caption>
                <thead>
                  <tr class="slds-line-height_reset">
                    <th scope="col">Salesforce username</th>
                    <th scope="col">Password</th>
                    <th scope="col">Security token</th>
                    <th scope="col">User ID</th>
                    <th scope="col">
                      <span class="slds-assistive-text">Open</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {demo.users.map((u) => (
                    <tr key={u.id}>
                      <th scope="row" class="sfl-mono">
                        {u.username}
                      </th>
                      <td class="sfl-mono">{u.password}</td>
                      <td class="sfl-mono">{u.securityToken}</td>
                      <td class="sfl-mono">{u.id}</td>
                      <td>
                        <a href={`${host}?user=${encodeURIComponent(u.id)}`} target="_blank" rel="noopener">
                          Open in Salesforce as this user
                        </a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
      {demo.actions.length > 0 && (
        <div class="sfl-demo-users">
          <button
            type="button"
            class="slds-button sfl-banner__toggle"
            aria-expanded={openActions}
            aria-controls="demo-actions"
            onClick={() => setOpenActions(!openActions)}
          >
            <ButtonIcon name={openActions ? 'chevrondown' : 'chevronright'} left />
            Try what Salesforce does ({demo.actions.length})
          </button>
          {openActions && (
            <div id="demo-actions">
              <DemoActions demo={demo} onDone={afterAction} />
            </div>
          )}
        </div>
      )}
    </Banner>
  )
}
