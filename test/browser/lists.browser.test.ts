import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Download, FrameLocator, Page } from 'playwright-core'
import { launchBrowser, screenshot, startLiveApp, type LiveApp } from '../helpers/live.js'

type SimRecord = Record<string, any>
const DAY = 24 * 60 * 60 * 1000

/**
 * Lists a marketer builds in the editor, inside Salesforce: a Lead list by picklist, relative
 * date and custom checkbox; a Campaign list by campaign name and member status. Each is
 * previewed, saved and exported; the connections table shows their status, long names fit,
 * and unsaved edits are not lost by leaving.
 */
describe('building lists by field type in a real browser (inside the canvas iframe)', () => {
  let live: LiveApp
  let browser: Browser
  let page: Page
  let frame: FrameLocator

  const fmt = (n: number) => n.toLocaleString('en-US')
  const filter = (n: number) => frame.getByRole('group', { name: `Filter ${n}` })

  async function addFilter(n: number, field: string): Promise<void> {
    await frame.getByRole('button', { name: 'Add filter' }).click()
    await filter(n).getByLabel('Field').selectOption(field)
  }

  async function download(click: () => Promise<void>): Promise<string> {
    const [file] = (await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), click()])) as [
      Download,
      void,
    ]
    return fs.readFileSync((await file.path())!, 'utf8')
  }

  beforeAll(async () => {
    live = await startLiveApp({ sim: { canvasRefreshToken: false } })
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true })
    const ada = live.sim.control.users()[0]!
    await page.goto(`${live.sim.url}/canvas-host?user=${ada.id}`)
    frame = page.frameLocator('#canvas-frame')
    await frame.getByRole('button', { name: 'Create an account' }).click({ timeout: 15_000 })
    await frame.locator('#signup-email').fill('ada@app.test')
    await frame.locator('#signup-password').fill('a long app password')
    await frame.getByRole('button', { name: 'Create account' }).click()
    await frame.getByTestId('sf-user-id').waitFor({ timeout: 15_000 })
  })
  afterAll(async () => {
    await browser?.close()
    await live?.close()
  })

  it('a Lead list: Lead Source = Web, created in the last 30 days, newsletter checkbox on; preview, save, export', async () => {
    const now = new Date()
    const from = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - 29 * DAY
    const expected = (live.sim.control.records('Lead', { limit: 100000 }) as SimRecord[]).filter(
      (l) =>
        l.LeadSource === 'Web' &&
        Date.parse(l.CreatedDate) >= from &&
        l.Newsletter_Subscriber__c === true &&
        !l.HasOptedOutOfEmail,
    )
    expect(expected.length).toBeGreaterThan(0)

    await frame.getByRole('link', { name: 'Connections' }).first().click()
    await frame.getByRole('button', { name: 'New connection' }).first().click()
    await frame.locator('#connection-name').fill('Web leads, last 30 days')
    await frame.locator('#connection-object').selectOption('Lead')
    await frame.getByRole('option', { name: 'Lead Source', exact: true }).click({ timeout: 15_000 })

    await addFilter(1, 'LeadSource')
    // A picklist's values are a choice, not free text.
    await filter(1).getByLabel('Value').selectOption('Web')

    await addFilter(2, 'CreatedDate')
    const dateOperators = await filter(2).getByLabel('Operator').locator('option').allTextContents()
    expect(dateOperators).toContain('before')
    await filter(2).getByLabel('When').selectOption('LAST_N_DAYS')
    await filter(2).getByLabel('N', { exact: true }).fill('30')

    await addFilter(3, 'Newsletter_Subscriber__c')
    // A checkbox: a toggle, and no "contains" or "less than".
    expect(await filter(3).getByLabel('Operator').locator('option').allTextContents()).toEqual(['equals'])
    const toggle = filter(3).getByRole('checkbox')
    expect(await toggle.isChecked()).toBe(true)

    await expect
      .poll(() => frame.getByTestId('live-count-value').textContent(), { timeout: 20_000 })
      .toBe(fmt(expected.length))
    expect(await frame.locator('.sfl-soql').first().textContent()).toContain('CreatedDate = LAST_N_DAYS:30')
    await screenshot(page, 'lists-lead-editor')

    await frame.getByRole('button', { name: 'Save', exact: true }).click()
    const row = frame.getByTestId('connection-row').filter({ hasText: 'Web leads, last 30 days' })
    await row.waitFor({ timeout: 15_000 })
    await expect
      .poll(() => row.getByTestId('connection-status').textContent(), { timeout: 20_000 })
      .toContain(`Ready · ${fmt(expected.length)}`)
    // The fields column speaks in labels.
    expect(await row.locator('.sfl-fields-cell').textContent()).toContain('Lead Source')

    await row.getByRole('button', { name: 'Connect', exact: true }).click()
    await expect
      .poll(() => frame.getByTestId('preview-count').textContent(), { timeout: 20_000 })
      .toContain(fmt(expected.length))
    const headers = await frame.getByTestId('preview-table').locator('thead th').allTextContents()
    expect(headers).toEqual(['Email', 'First Name', 'Last Name', 'Lead Source'])

    await frame.getByLabel('CSV column headers').selectOption('labels')
    const csv = await download(() => frame.getByRole('button', { name: 'Export CSV' }).click())
    const lines = csv.split('\r\n').filter((l) => l.length > 0)
    expect(lines[0]).toBe('Lead ID,Email,First Name,Last Name,Lead Source')
    expect(lines.length - 1).toBe(expected.length)
    const json = await download(() => frame.getByRole('button', { name: 'JSON lines (for developers)' }).click())
    const records = json
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
    expect(records.map((r) => r.Id).sort()).toEqual(expected.map((r) => r.Id).sort())
    expect(Object.keys(records[0])).toEqual(['Id', 'Email', 'FirstName', 'LastName', 'LeadSource'])
    await screenshot(page, 'lists-lead-preview')

    // Opened again, the editor shows the filters as they were built.
    await frame.getByRole('button', { name: 'Edit', exact: true }).click()
    await expect.poll(() => filter(2).getByLabel('When').inputValue(), { timeout: 15_000 }).toBe('LAST_N_DAYS')
    expect(await filter(2).getByLabel('N', { exact: true }).inputValue()).toBe('30')
    expect(await filter(1).getByLabel('Value').inputValue()).toBe('Web')
    expect(await filter(3).getByRole('checkbox').isChecked()).toBe(true)
    expect(await frame.getByTestId('unsaved-changes').count()).toBe(0)
  })

  it('a Campaign list: the campaign picked by name, the member status from its own statuses; preview, save, export', async () => {
    const campaigns = live.sim.control.records('Campaign', { limit: 100 }) as SimRecord[]
    const members = live.sim.control.records('CampaignMember', { limit: 100000 }) as SimRecord[]
    // A campaign whose statuses are its own (not just the org's Sent/Responded), with members in one of them.
    const campaign =
      campaigns.find((c) => members.some((m) => m.CampaignId === c.Id && !['Sent', 'Responded'].includes(m.Status))) ??
      campaigns[0]!
    const own = (live.sim.control.memberStatuses(campaign.Id) as SimRecord[]).map((s) => s.Label as string)
    const status = members.find((m) => m.CampaignId === campaign.Id)!.Status as string
    const expected = members.filter((m) => m.CampaignId === campaign.Id && m.Status === status && !m.HasOptedOutOfEmail)
    expect(expected.length).toBeGreaterThan(0)

    await frame.getByRole('link', { name: 'Connections' }).first().click()
    await frame.getByRole('button', { name: 'New connection' }).first().click()
    await frame.locator('#connection-name').fill(`${campaign.Name}: ${status}`)
    await frame.locator('#connection-object').selectOption('CampaignMember')
    await frame.getByRole('option', { name: 'Email', exact: true }).waitFor({ timeout: 15_000 })

    await addFilter(1, 'CampaignId')
    // No pasted 18-character ID: the campaign is searched by name.
    await filter(1).getByLabel('Campaign', { exact: true }).fill(campaign.Name.split(' ')[0]!.toLowerCase())
    await filter(1).getByRole('option', { name: campaign.Name }).click({ timeout: 15_000 })
    await expect.poll(() => filter(1).getByTestId('campaign-chosen').textContent()).toContain(campaign.Name)

    await addFilter(2, 'Status')
    const statusSelect = filter(2).getByLabel('Member status')
    await expect
      .poll(async () => (await statusSelect.locator('option').allTextContents()).slice(1).sort(), { timeout: 15_000 })
      .toEqual([...own].sort())
    await statusSelect.selectOption(status)

    await expect
      .poll(() => frame.getByTestId('live-count-value').textContent(), { timeout: 20_000 })
      .toBe(fmt(expected.length))
    await screenshot(page, 'lists-campaign-editor')
    await frame.getByRole('button', { name: 'Save', exact: true }).click()
    const row = frame.getByTestId('connection-row').filter({ hasText: `${campaign.Name}: ${status}` })
    await row.waitFor({ timeout: 15_000 })

    await row.getByRole('button', { name: 'Connect', exact: true }).click()
    await expect
      .poll(() => frame.getByTestId('preview-count').textContent(), { timeout: 20_000 })
      .toContain(fmt(expected.length))
    const csv = await download(() => frame.getByRole('button', { name: 'Export CSV' }).click())
    const lines = csv.split('\r\n').filter((l) => l.length > 0)
    expect(lines[0]).toBe('Id,Email,FirstName,LastName')
    expect(lines.length - 1).toBe(expected.length)

    // Editing it again shows the campaign by name, not by ID.
    await frame.getByRole('button', { name: 'Edit', exact: true }).click()
    await expect
      .poll(() => filter(1).getByTestId('campaign-chosen').textContent(), { timeout: 15_000 })
      .toContain(campaign.Name)
  })

  it('a multi-select picklist offers its values as choices (INCLUDES), a number field a number input', async () => {
    const contacts = live.sim.control.records('Contact', { limit: 100000 }) as SimRecord[]
    const withInterests = contacts.find((c) => typeof c.Interests__c === 'string' && c.Interests__c)!
    const interest = (withInterests.Interests__c as string).split(';')[0]!
    const expected = contacts.filter(
      (c) =>
        typeof c.Interests__c === 'string' &&
        c.Interests__c.split(';').includes(interest) &&
        typeof c.Lead_Score__c === 'number' &&
        c.Lead_Score__c > 10 &&
        !c.HasOptedOutOfEmail,
    )
    await frame.getByRole('link', { name: 'Connections' }).first().click()
    await frame.getByRole('button', { name: 'New connection' }).first().click()
    await frame.getByRole('option', { name: 'Email', exact: true }).waitFor({ timeout: 15_000 })
    await addFilter(1, 'Interests__c')
    expect(await filter(1).getByLabel('Operator').inputValue()).toBe('includes')
    // SLDS draws the box: the label is what a person clicks.
    await filter(1).getByText(interest, { exact: true }).click()
    expect(await filter(1).getByRole('checkbox', { name: interest, exact: true }).isChecked()).toBe(true)
    await addFilter(2, 'Lead_Score__c')
    await filter(2).getByLabel('Operator').selectOption('>')
    const score = filter(2).getByLabel('Value')
    expect(await score.getAttribute('type')).toBe('number')
    await score.fill('10')
    await expect
      .poll(() => frame.getByTestId('live-count-value').textContent(), { timeout: 20_000 })
      .toBe(fmt(expected.length))
    expect(await frame.locator('.sfl-soql').first().textContent()).toContain(`Interests__c INCLUDES ('${interest}')`)
    // Nothing saved: leaving asks, and this time the answer is yes.
    page.once('dialog', (d) => void d.accept())
    await frame.getByRole('link', { name: 'Cancel' }).click()
    await frame.getByTestId('connections-table').waitFor({ timeout: 15_000 })
  })

  it('a field removed in Salesforce: the list flags the connection, and Connect says so and offers an edit, not a retry', async () => {
    live.sim.control.addCustomField('Lead', { name: 'Campaign_Code__c', type: 'string', label: 'Campaign Code' })
    await live.db.pool.query(`DELETE FROM describe_cache`)
    await frame.getByRole('link', { name: 'Connections' }).first().click()
    await frame.getByRole('button', { name: 'New connection' }).first().click()
    await frame.locator('#connection-name').fill('Coded leads')
    await frame.locator('#connection-object').selectOption('Lead')
    await frame.getByRole('option', { name: 'Campaign Code', exact: true }).click({ timeout: 15_000 })
    await frame.getByRole('button', { name: 'Save', exact: true }).click()
    const row = frame.getByTestId('connection-row').filter({ hasText: 'Coded leads' })
    await row.waitFor({ timeout: 15_000 })

    live.sim.control.removeField('Lead', 'Campaign_Code__c')
    await row.getByRole('button', { name: 'Connect', exact: true }).click()
    const alert = frame.getByTestId('error-alert')
    await alert.waitFor({ timeout: 20_000 })
    expect(await alert.textContent()).toContain('A field of this connection was removed in Salesforce')
    expect(await alert.textContent()).toContain('Campaign_Code__c')
    expect(await alert.getByRole('button', { name: 'Try again' }).count()).toBe(0)
    await screenshot(page, 'lists-connect-field-removed')
    await alert.getByRole('link', { name: 'Edit the connection' }).click()
    await frame.locator('#connection-name').waitFor({ timeout: 15_000 })

    await frame.getByRole('link', { name: 'Connections' }).first().click()
    const status = frame
      .getByTestId('connection-row')
      .filter({ hasText: 'Coded leads' })
      .getByTestId('connection-status')
    await expect.poll(() => status.getAttribute('data-code'), { timeout: 20_000 }).toBe('CONNECTION_FIELD_REMOVED')
    expect(await status.getAttribute('data-state')).toBe('broken')
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toContain('Campaign_Code__c')
    // Removed so the next cases start from working connections only.
    await frame
      .getByTestId('connection-row')
      .filter({ hasText: 'Coded leads' })
      .getByRole('button', { name: 'Delete' })
      .click()
    await frame.getByRole('button', { name: 'Delete connection' }).click()
    await expect
      .poll(() => frame.getByTestId('connection-row').filter({ hasText: 'Coded leads' }).count(), { timeout: 15_000 })
      .toBe(0)
  })

  it('unsaved edits are not lost by leaving: in-app navigation and Back ask first, reload is held', async () => {
    await frame.getByRole('link', { name: 'Connections' }).first().click()
    await frame.getByRole('button', { name: 'New connection' }).first().click()
    await frame.locator('#connection-name').fill('Half done')
    await frame.getByTestId('unsaved-changes').waitFor({ timeout: 15_000 })

    const dialogs: string[] = []
    const answer = (accept: boolean) =>
      page.once('dialog', (d) => {
        dialogs.push(d.message())
        void (accept ? d.accept() : d.dismiss())
      })
    // Back asks; staying keeps the work.
    answer(false)
    await frame.locator('body').evaluate(() => window.history.back())
    await expect.poll(() => dialogs.length).toBe(1)
    expect(dialogs[0]).toMatch(/unsaved changes/)
    expect(await frame.locator('#connection-name').inputValue()).toBe('Half done')
    // So does a link inside the app.
    answer(false)
    await frame.getByRole('link', { name: 'Cancel' }).click()
    await expect.poll(() => dialogs.length).toBe(2)
    expect(await frame.locator('#connection-name').inputValue()).toBe('Half done')

    // Reload and closing: the page asks the browser to confirm.
    const held = await frame.locator('body').evaluate(() => {
      const event = new Event('beforeunload', { cancelable: true })
      window.dispatchEvent(event)
      return event.defaultPrevented
    })
    expect(held).toBe(true)

    // Accepting leaves.
    answer(true)
    await frame.getByRole('link', { name: 'Cancel' }).click()
    await expect.poll(() => dialogs.length).toBe(3)
    await frame.getByTestId('connections-table').waitFor({ timeout: 15_000 })
  })

  it('a 120-character name is truncated with the full name on hover; the table fits the canvas iframe at 1280 px', async () => {
    const long = `Quarterly newsletter for every customer who attended a webinar ${'and more '.repeat(8)}`
      .slice(0, 120)
      .trim()
    await frame.getByRole('button', { name: 'New connection' }).first().click()
    await frame.locator('#connection-name').fill(long)
    await frame.getByRole('option', { name: 'Email', exact: true }).waitFor({ timeout: 15_000 })
    await frame.getByRole('button', { name: 'Save', exact: true }).click()
    const name = frame
      .getByTestId('connection-row')
      .locator('.sfl-name')
      .filter({ hasText: long.slice(0, 40) })
    await name.waitFor({ timeout: 15_000 })
    expect(await name.getAttribute('title')).toBe(long)
    const sizes = await name.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }))
    expect(sizes.scroll).toBeGreaterThan(sizes.client)
    const fit = await frame.getByTestId('connections-table').evaluate((table) => {
      const card = table.parentElement!
      return { table: table.scrollWidth, card: card.clientWidth, view: document.documentElement.clientWidth }
    })
    expect(fit.table).toBeLessThanOrEqual(fit.card)
    expect(fit.card).toBeLessThanOrEqual(fit.view)
    await screenshot(page, 'lists-connections-table')
  })
})
