// Alert rules on the app's telemetry in Application Insights (log search alerts over customMetrics and traces: the
// FlowLogs meter's instruments land in customMetrics under their own names, the pipeline's log lines in traces with
// their message template in customDimensions.OriginalFormat). Metric names and message templates in the queries are
// checked against src/ by tests/FlowLogs.Tests/Infra/MonitoringTemplateTests.cs.
targetScope = 'resourceGroup'

@description('Prefix of the rules\' and action group\'s names (the app\'s name).')
param namePrefix string

@description('Region of the alert rules (the Application Insights component\'s).')
param location string

@description('Name of the Application Insights component the rules query (in this resource group).')
param appInsightsName string

@description('Whether the rules evaluate. False keeps them deployed but disabled (a later deployment with true turns them on again).')
param enabled bool

@description('E-mail addresses told when a rule fires. Empty: no action group is created; fired alerts show in the portal only.')
param emails array

@description('Resource ids of existing action groups told as well (Teams, SMS, webhooks, an on-call tool).')
param actionGroupIds array

@description('Minutes without a delivered event (while blobs are read, fail, or no replay runs) before alerting.')
@allowed([
  15
  30
  45
  60
  120
])
param noDeliveryMinutes int

@description('Age in minutes of the oldest unread byte, as the last replay run saw it, above which to alert.')
@minValue(5)
param lagThresholdMinutes int

@description('Dead-lettered items in one hour above which to alert (0: any dead letter).')
@minValue(0)
param deadLetterThreshold int

@description('Failed blob-processing calls in one hour above which to alert.')
@minValue(0)
param processingFailureThreshold int

@description('Intake requests retried in one hour above which to alert.')
@minValue(0)
param intakeRetryThreshold int

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource emailGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(emails)) {
  name: '${namePrefix}-alerts'
  location: 'Global'
  properties: {
    groupShortName: 'flowlogs'
    enabled: true
    emailReceivers: [for (email, i) in emails: {
      name: 'email-${i}'
      emailAddress: email
      useCommonAlertSchema: true
    }]
  }
}

// ISO 8601 durations as Azure Monitor writes them.
var windows = {
  '15': 'PT15M'
  '30': 'PT30M'
  '45': 'PT45M'
  '60': 'PT1H'
  '120': 'PT2H'
}

var notified = concat(empty(emails) ? [] : [emailGroup.id], actionGroupIds)

// Rules with afterReplayRuns read the replay's line, one per run; message templates as in src/FlowLogs.Core/Replay/MissedHourReplay.cs. The exporter
// puts the template in customDimensions.OriginalFormat when it also renders the message, and in message otherwise.
var replayRuns = '''
let replayTemplate = "Replay {From:u}..{To:u}: {Checked} blobs checked, {Behind} behind, {Bytes} bytes and {Events} events caught up, oldest unread byte {OldestUnreadSeconds:F0} s old, {Failed} failed, {Held} held by other readers, {Deferred} left to triggers; {Listings} hour listings, {Skipped} complete hours skipped, {HoursLeft} hours left for the next run";
let replayRuns = traces | where message == replayTemplate or tostring(customDimensions.OriginalFormat) == replayTemplate;
'''

var rules = [
  {
    name: 'no-deliveries'
    displayName: 'Flow logs: no events delivered'
    description: 'No event was delivered in the window while blobs were read (flowlogs.bytes.read), processing failed (flowlogs.processing.failures), or no replay run was logged (the app is not running). Expected until the code is published and Event Grid wired.'
    severity: 1
    evaluationFrequency: 'PT5M'
    windowSize: windows[string(noDeliveryMinutes)]
    afterReplayRuns: true
    query: '''
let delivered = toscalar(customMetrics | where name == "flowlogs.events.delivered" | summarize sum(valueSum));
let bytesRead = toscalar(customMetrics | where name == "flowlogs.bytes.read" | summarize sum(valueSum));
let failures = toscalar(customMetrics | where name == "flowlogs.processing.failures" | summarize sum(valueSum));
let runs = toscalar(replayRuns | count);
print EventsDelivered = coalesce(delivered, 0.0), BytesRead = coalesce(bytesRead, 0.0), ProcessingFailures = coalesce(failures, 0.0), ReplayRuns = runs
| where EventsDelivered == 0 and (BytesRead > 0 or ProcessingFailures > 0 or ReplayRuns == 0)
'''
    timeAggregation: 'Count'
    metricMeasureColumn: null
    threshold: 0
  }
  {
    name: 'lag'
    displayName: 'Flow logs: delivery lags behind'
    description: 'The oldest unread byte was older than the threshold at a replay run (the run\'s log line; flowlogs.lag is the same value, per process).'
    severity: 2
    evaluationFrequency: 'PT10M'
    windowSize: 'PT30M'
    afterReplayRuns: true
    query: '''
replayRuns
| project timestamp, LagSeconds = todouble(customDimensions.OldestUnreadSeconds)
'''
    timeAggregation: 'Maximum'
    metricMeasureColumn: 'LagSeconds'
    threshold: lagThresholdMinutes * 60
  }
  {
    name: 'dead-letters'
    displayName: 'Flow logs: items dead-lettered'
    description: 'Input the parser skipped or events the intake refused were written to the dead-letter container in the last hour.'
    severity: 2
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    afterReplayRuns: false
    query: '''
customMetrics
| where name == "flowlogs.deadlettered"
| project timestamp, DeadLettered = valueSum
'''
    timeAggregation: 'Total'
    metricMeasureColumn: 'DeadLettered'
    threshold: deadLetterThreshold
  }
  {
    name: 'processing-failures'
    displayName: 'Flow logs: blob processing fails'
    description: 'Blob-processing calls failed in the last hour (the data stays unread and is retried; look at the exceptions of "Processing … failed").'
    severity: 2
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    afterReplayRuns: false
    query: '''
customMetrics
| where name == "flowlogs.processing.failures"
| project timestamp, Failures = valueSum
'''
    timeAggregation: 'Total'
    metricMeasureColumn: 'Failures'
    threshold: processingFailureThreshold
  }
  {
    name: 'self-check'
    displayName: 'Flow logs: self-check fails'
    description: 'A check of the app\'s self-check (at start and with each replay run) failed: a storage account unreachable or refusing the app (its role or its firewall), the intake refusing the key, commits nobody reads (Event Grid or the triggers not delivering), the clock. The app\'s line "Self-check FAIL: …" names what and the setting to fix; flowlogs check runs the same checks from anywhere.'
    severity: 1
    evaluationFrequency: 'PT10M'
    windowSize: 'PT30M'
    afterReplayRuns: false
    query: '''
customMetrics
| where name == "flowlogs.checks.failed"
| project timestamp, ChecksFailed = valueSum
'''
    timeAggregation: 'Total'
    metricMeasureColumn: 'ChecksFailed'
    threshold: 0
  }
  {
    name: 'intake-retries'
    displayName: 'Flow logs: intake retries rising'
    description: 'Intake requests were retried (throttling, 5xx, timeouts) more than the threshold in the last hour; lag usually follows.'
    severity: 3
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    afterReplayRuns: false
    query: '''
customMetrics
| where name == "flowlogs.intake.retries"
| project timestamp, Retries = valueSum
'''
    timeAggregation: 'Total'
    metricMeasureColumn: 'Retries'
    threshold: intakeRetryThreshold
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = [for rule in rules: {
  name: '${namePrefix}-${rule.name}'
  location: location
  kind: 'LogAlert'
  properties: {
    displayName: rule.displayName
    description: rule.description
    enabled: enabled
    severity: rule.severity
    scopes: [
      insights.id
    ]
    evaluationFrequency: rule.evaluationFrequency
    windowSize: rule.windowSize
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: rule.afterReplayRuns ? '${replayRuns}${rule.query}' : rule.query
          timeAggregation: rule.timeAggregation
          metricMeasureColumn: rule.metricMeasureColumn
          operator: 'GreaterThan'
          threshold: rule.threshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: notified
    }
  }
}]

output ruleNames array = [for (rule, i) in rules: alertRules[i].name]
output actionGroupIds array = notified
