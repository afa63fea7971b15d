// GET /services/data/vXX.X/limits: the full set of org limits a real org answers, with the Max
// values of the REST API Developer Guide's "List Org Limits" example. DailyApiRequests follows the
// org's daily cap and real usage; DataStorageMB counts the stored records at Salesforce's 2 KB each.
import type { Org } from './state.js'

interface Limit {
  Max: number
  Remaining: number
  [subLimit: string]: number | { Max: number; Remaining: number }
}

const RECORD_BYTES = 2048

/** Limits the simulator does not consume: always at their maximum. */
const FIXED: Record<string, number> = {
  ActiveScratchOrgs: 3,
  AnalyticsExternalDataSizeMB: 40960,
  ConcurrentAsyncGetReportInstances: 200,
  ConcurrentEinsteinDataInsightsStoryCreation: 5,
  ConcurrentEinsteinDiscoveryStoryCreation: 2,
  ConcurrentSyncReportRuns: 20,
  DailyAnalyticsDataflowJobExecutions: 60,
  DailyAnalyticsUploadedFilesSizeMB: 51200,
  DailyFunctionsApiCallLimit: 235000,
  DailyAsyncApexExecutions: 250000,
  DailyAsyncApexTests: 500,
  DailyBulkApiBatches: 15000,
  DailyBulkV2QueryFileStorageMB: 976562,
  DailyBulkV2QueryJobs: 10000,
  DailyDeliveredPlatformEvents: 10000,
  DailyDurableGenericStreamingApiEvents: 10000,
  DailyDurableStreamingApiEvents: 10000,
  DailyEinsteinDataInsightsStoryCreation: 1000,
  DailyEinsteinDiscoveryPredictAPICalls: 50000,
  DailyEinsteinDiscoveryPredictionsByCDC: 5000000,
  DailyEinsteinDiscoveryStoryCreation: 100,
  DailyGenericStreamingApiEvents: 10000,
  DailyScratchOrgs: 6,
  DailyStandardVolumePlatformEvents: 10000,
  DailyStreamingApiEvents: 10000,
  DailyWorkflowEmails: 100000,
  DurableStreamingApiConcurrentClients: 20,
  FileStorageMB: 1024,
  HourlyAsyncReportRuns: 1200,
  HourlyDashboardRefreshes: 200,
  HourlyDashboardResults: 5000,
  HourlyDashboardStatuses: 999999999,
  HourlyLongTermIdMapping: 100000,
  HourlyManagedContentPublicRequests: 50000,
  HourlyODataCallout: 20000,
  HourlyPublishedPlatformEvents: 50000,
  HourlyPublishedStandardVolumePlatformEvents: 1000,
  HourlyShortTermIdMapping: 100000,
  HourlySyncReportRuns: 500,
  HourlyTimeBasedWorkflow: 1000,
  MassEmail: 5000,
  MonthlyEinsteinDiscoveryStoryCreation: 500,
  Package2VersionCreates: 6,
  Package2VersionCreatesWithoutValidation: 500,
  PrivateConnectOutboundCalloutHourlyLimitMB: 0,
  SingleEmail: 5000,
  StreamingApiConcurrentClients: 20,
}

const DATA_STORAGE_MB = 1024

export function orgLimits(org: Org): Record<string, Limit> {
  let records = 0
  for (const [type, table] of org.tables) if (type !== 'User') records += table.rows.length
  const usedMb = Math.ceil((records * RECORD_BYTES) / (1024 * 1024))
  const cap = org.settings.apiRequestCap
  const computed: Record<string, Limit> = {
    DailyApiRequests: { Max: cap, Remaining: Math.max(0, cap - org.apiRequestsUsed) },
    DataStorageMB: { Max: DATA_STORAGE_MB, Remaining: Math.max(0, DATA_STORAGE_MB - usedMb) },
    PermissionSets: { Max: 1500, Remaining: 1499, CreateCustom: { Max: 1000, Remaining: 999 } },
  }
  const all: Record<string, Limit> = { ...computed }
  for (const [name, max] of Object.entries(FIXED)) all[name] = { Max: max, Remaining: max }
  // Alphabetical, like Salesforce's answer.
  return Object.fromEntries(Object.entries(all).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}
