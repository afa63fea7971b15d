// SOQL date literals as [start, end) ranges in epoch ms, with the ranges Salesforce documents
// ("Date Formats and Date Literals in WHERE"): LAST_N_DAYS:n includes today and the n days
// before it, NEXT_N_DAYS:n starts tomorrow, LAST_N_MONTHS:n ends where this month starts, and
// weeks start on the first day of the user's locale. Days start at 00:00 UTC here (the
// simulator does not apply the user's time zone); the fiscal year starts in January, as in an
// org that never changed it.

const DAY = 86_400_000

/** Locales whose week starts on Sunday; the others start on Monday. */
const SUNDAY_LOCALES = new Set([
  'en_US',
  'en_CA',
  'es_US',
  'fr_CA',
  'ja_JP',
  'ko_KR',
  'zh_TW',
  'zh_HK',
  'he_IL',
  'pt_BR',
  'en_PH',
  'en_IN',
  'en_AU',
  'en_ZA',
  'es_MX',
])

export function weekStartsOn(locale: string): 0 | 1 {
  return SUNDAY_LOCALES.has(locale) ? 0 : 1
}

function utcDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY
}

function monthStart(year: number, month: number): number {
  return Date.UTC(year, month, 1)
}

export interface DateLiteralContext {
  now: number
  /** 0 = Sunday, 1 = Monday. */
  weekStart: 0 | 1
}

/** The [start, end) range of a date literal, or undefined for an unknown name. */
export function dateLiteralRange(
  name: string,
  n: number | null,
  ctx: DateLiteralContext,
): [number, number] | undefined {
  const today = utcDay(ctx.now)
  const date = new Date(today)
  const year = date.getUTCFullYear()
  const month = date.getUTCMonth()
  const weekDay = date.getUTCDay()
  const thisWeek = today - ((weekDay - ctx.weekStart + 7) % 7) * DAY
  const quarter = Math.floor(month / 3) * 3
  const k = n ?? 0
  const months = (startOffset: number, length: number): [number, number] => [
    monthStart(year, month + startOffset),
    monthStart(year, month + startOffset + length),
  ]
  const quarters = (startOffset: number, length: number): [number, number] => [
    monthStart(year, quarter + 3 * startOffset),
    monthStart(year, quarter + 3 * (startOffset + length)),
  ]
  const years = (startOffset: number, length: number): [number, number] => [
    Date.UTC(year + startOffset, 0, 1),
    Date.UTC(year + startOffset + length, 0, 1),
  ]
  switch (name.replace('_FISCAL', '')) {
    case 'YESTERDAY':
      return [today - DAY, today]
    case 'TODAY':
      return [today, today + DAY]
    case 'TOMORROW':
      return [today + DAY, today + 2 * DAY]
    case 'LAST_WEEK':
      return [thisWeek - 7 * DAY, thisWeek]
    case 'THIS_WEEK':
      return [thisWeek, thisWeek + 7 * DAY]
    case 'NEXT_WEEK':
      return [thisWeek + 7 * DAY, thisWeek + 14 * DAY]
    case 'LAST_MONTH':
      return months(-1, 1)
    case 'THIS_MONTH':
      return months(0, 1)
    case 'NEXT_MONTH':
      return months(1, 1)
    case 'LAST_90_DAYS':
      return [today - 90 * DAY, today + DAY]
    case 'NEXT_90_DAYS':
      return [today + DAY, today + 91 * DAY]
    case 'LAST_N_DAYS':
      return [today - k * DAY, today + DAY]
    case 'NEXT_N_DAYS':
      return [today + DAY, today + (k + 1) * DAY]
    case 'N_DAYS_AGO':
      return [today - k * DAY, today - (k - 1) * DAY]
    case 'LAST_N_WEEKS':
      return [thisWeek - 7 * k * DAY, thisWeek]
    case 'NEXT_N_WEEKS':
      return [thisWeek + 7 * DAY, thisWeek + 7 * (k + 1) * DAY]
    case 'N_WEEKS_AGO':
      return [thisWeek - 7 * k * DAY, thisWeek - 7 * (k - 1) * DAY]
    case 'LAST_N_MONTHS':
      return months(-k, k)
    case 'NEXT_N_MONTHS':
      return months(1, k)
    case 'N_MONTHS_AGO':
      return months(-k, 1)
    case 'THIS_QUARTER':
      return quarters(0, 1)
    case 'LAST_QUARTER':
      return quarters(-1, 1)
    case 'NEXT_QUARTER':
      return quarters(1, 1)
    case 'LAST_N_QUARTERS':
      return quarters(-k, k)
    case 'NEXT_N_QUARTERS':
      return quarters(1, k)
    case 'N_QUARTERS_AGO':
      return quarters(-k, 1)
    case 'THIS_YEAR':
      return years(0, 1)
    case 'LAST_YEAR':
      return years(-1, 1)
    case 'NEXT_YEAR':
      return years(1, 1)
    case 'LAST_N_YEARS':
      return years(-k, k)
    case 'NEXT_N_YEARS':
      return years(1, k)
    case 'N_YEARS_AGO':
      return years(-k, 1)
    default:
      return undefined
  }
}
