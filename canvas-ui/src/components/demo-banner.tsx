import { useState } from 'preact/hooks'
import { useApp } from '../app-context.js'
import { Banner } from './alerts.js'
import { ButtonIcon } from './icon.js'

/** Demo mode (`GET /demo.json` answered): where the simulated Salesforce is, and its users. */
export function DemoBanner() {
  const { demo } = useApp()
  const [open, setOpen] = useState(false)
  if (!demo) return null
  const host = `${demo.simulatorUrl}/canvas-host`
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
    </Banner>
  )
}
