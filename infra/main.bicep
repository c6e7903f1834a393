// Everything the flow-log pipeline needs in the customer's subscriptions, deployed into an empty resource group: the
// app, its storage, Key Vault, monitoring, and per flow-log account its reader role and Event Grid system topic with
// its subscription into the app's queue (queue delivery, the default). With webhook delivery (one account), a second
// stage (eventgrid.bicep) attaches the webhook subscriptions once the code runs. With polling delivery, no Event Grid
// at all: the replay timer reads every account on its own. See infra/README.md.
targetScope = 'resourceGroup'

@description('Prefix of every resource name: 3 to 11 lower-case letters and digits, starting with a letter.')
@minLength(3)
@maxLength(11)
param namePrefix string = 'flowlogs'

@description('Region of the app and its own resources.')
param location string = resourceGroup().location

@description('A storage account Network Watcher writes flow logs to.')
type flowLogAccount = {
  @description('Name of the storage account.')
  name: string

  @description('Its resource group.')
  resourceGroup: string

  @description('Its subscription (same tenant); default: this deployment\'s.')
  subscriptionId: string?

  @description('Name of an Event Grid system topic the account already has (one per account at most); default: one is created. Refused with polling delivery, which uses no topic.')
  existingSystemTopicName: string?

  @description('With existingSystemTopicName: the topic\'s resource group (same subscription as the account); default: the account\'s.')
  existingSystemTopicResourceGroup: string?
}

@description('The flow-log storage accounts the app reads. Webhook delivery serves one account; queue and polling delivery any number.')
@minLength(1)
param flowLogAccounts flowLogAccount[]

@description('How commits reach the app: queue (Event Grid writes them into the app\'s queue flowlog-events; any number of accounts; nothing after this deployment but the code), webhook (Event Grid calls the blob triggers; one account; eventgrid.bicep wires it once the code runs) or polling (no Event Grid: the replay timer reads every account each pollingMinutes; any number of accounts). privateNetworking turns webhook into queue.')
@allowed([
  'webhook'
  'queue'
  'polling'
])
param delivery string = 'queue'

@description('With polling delivery: minutes between the replay timer\'s runs (its schedule, 0 */pollingMinutes * * * *), which read everything new; replaySchedule is not used then.')
@minValue(1)
@maxValue(30)
param pollingMinutes int = 5

@description('Private networking: VNet integration, the app\'s account and its Key Vault reached through private endpoints (the vault closed to public networks), network security groups on created subnets, queue delivery instead of webhook (polling stays polling).')
param privateNetworking bool = false

@description('Address space of the network created for privateNetworking (a /16 to /23: two /24 subnets are cut from it).')
param vnetAddressPrefix string = '10.60.0.0/22'

@description('With privateNetworking: an existing subnet for the app (delegated to Microsoft.App/environments, with outbound internet access), instead of a created network.')
param existingAppSubnetId string = ''

@description('With existingAppSubnetId: an existing subnet (same network) for the private endpoints.')
param existingPrivateEndpointSubnetId string = ''

@description('With privateNetworking: the resource ids of your private DNS zones privatelink.blob, privatelink.queue, privatelink.table (storage) and privatelink.vaultcore (Key Vault), in that order, such as a hub\'s central zones. Required with existingAppSubnetId; empty with a created network: the template creates the four and links them to that network only.')
param existingPrivateDnsZoneIds array = []

@description('Base URL of the Sekoia.io intake: https://intake.sekoia.io, or https://intake.<region>.sekoia.io/api/v1/intake-http.')
param intakeUrl string = 'https://intake.sekoia.io'

@description('The intake key: with payload Raw, an intake of Sekoia\'s "Azure Network Watcher Flow Logs" format, which receives every VNet tuple, and every NSG tuple unless nsgIntakeKey is given. Stored in Key Vault; the app reads it through a Key Vault reference.')
@secure()
param intakeKey string

@description('Optional, payload Raw only: the key of an intake of Sekoia\'s "Azure Network Watcher" format (NSG flow logs), which then receives every NSG tuple as written. Empty: NSG tuples go to intakeKey, translated into the Flow Logs format. Stored in Key Vault like intakeKey.')
@secure()
param nsgIntakeKey string = ''

@description('What is sent: Raw (Sekoia\'s "Azure Network Watcher Flow Logs" format) or Ecs (a custom format).')
@allowed([
  'Raw'
  'Ecs'
])
param payload string = 'Raw'

@description('NCRONTAB schedule of the missed-hour replay (queue and webhook delivery; polling delivery runs it every pollingMinutes).')
param replaySchedule string = '0 */10 * * * *'

@description('Most intake requests in flight at once across the instances of the events function. The most instances Flex Consumption may scale it to (maximumInstanceCount) is this divided by intakeRequestsPerInstance, which must come to 1 to 1000 (refused before anything is deployed otherwise).')
@minValue(1)
@maxValue(16000)
param maxConcurrentIntakeRequests int = 160

@description('Intake requests in flight at once per instance (one process; shared by all its calls).')
@minValue(1)
@maxValue(16)
param intakeRequestsPerInstance int = 4

@description('Event calls an instance runs at once (blob triggers, or queue messages). At most 8: each call may hold 123 MiB at worst.')
@minValue(1)
@maxValue(8)
param triggerConcurrency int = 8

@description('Memory of one instance, in MB. 2048 holds the 12 calls an instance may run at once (triggerConcurrency 8, 4 replay catch-ups) at their worst (a read buffer of a 4 MiB chunk and a 32 MiB record, twice while it grows; a 32 MiB record parsed; a 4 MiB batch, twice; a 9 MiB request and its gzip: 123 MiB each) and 512 MiB of runtime; measured peak working set of a worker: 187 to 214 MB.')
@allowed([
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Daily ingestion cap of the Log Analytics workspace, in GB (-1: none). Past it, telemetry stops until the next day and the no-deliveries alert fires.')
@minValue(-1)
param logDailyCapGb int = 5

@description('Days dead-lettered items (the app\'s and Event Grid\'s) are kept; longer than the replay\'s look-back (7 days).')
@minValue(8)
param deadLetterRetentionDays int = 90

@description('default, or recover: recover the Key Vault soft-deleted with its resource group (same group and prefix within 30 days).')
@allowed([
  'default'
  'recover'
])
param keyVaultCreateMode string = 'default'

@description('Whether the alert rules evaluate (infra/modules/alerts.bicep). False deploys them disabled, which also turns off rules an earlier deployment enabled.')
param alertsEnabled bool = true

@description('E-mail addresses told when an alert fires. Empty (the default): no action group; fired alerts show in the portal (Monitor > Alerts) only.')
param alertEmails array = []

@description('Resource ids of existing action groups told as well (Teams, SMS, an on-call tool).')
param alertActionGroupIds array = []

@description('Minutes without a delivered event, while blobs are read or fail or no replay runs, before alerting. Longer than the replay schedule\'s interval.')
@allowed([
  15
  30
  45
  60
  120
])
param alertNoDeliveryMinutes int = 30

@description('Age in minutes of the oldest unread byte, as a replay run saw it, above which to alert.')
@minValue(5)
param alertLagMinutes int = 60

@description('Dead-lettered items in one hour above which to alert (0: any dead letter).')
@minValue(0)
param alertDeadLettersPerHour int = 0

@description('Failed blob-processing calls in one hour above which to alert (each is retried; a few are transient).')
@minValue(0)
param alertProcessingFailuresPerHour int = 5

@description('Intake requests retried in one hour above which to alert (throttling, 5xx, timeouts).')
@minValue(0)
param alertIntakeRetriesPerHour int = 100

// Checked before anything is deployed: every resource name depends on checkedPrefix, so a bad value fails the
// deployment's validation with this message instead of a storage or Key Vault naming error half-way through.
var letters = 'abcdefghijklmnopqrstuvwxyz'
var prefixIsValid = contains(letters, first(namePrefix)) && empty(filter(range(0, length(namePrefix)), i => !contains('${letters}0123456789', substring(namePrefix, i, 1))))
// The blob triggers read every blob through the one connection FlowLogStorage: with webhook delivery a second account's
// events would name blobs the app looks for in the first account (and count the 404 as done).
var webhookForMany = effectiveDelivery == 'webhook' && length(flowLogAccounts) > 1
// Both existing subnets or neither: the private endpoints must go into the app's network.
var subnetsHalfGiven = privateNetworking && empty(existingAppSubnetId) != empty(existingPrivateEndpointSubnetId)
// An account listed twice would be two connections to one account, which the app refuses at start.
var accountNames = map(flowLogAccounts, account => toLower(account.name))
var accountsRepeated = length(union(accountNames, [])) != length(accountNames)
// The four zones, or none.
var zonesMiscounted = !empty(existingPrivateDnsZoneIds) && length(existingPrivateDnsZoneIds) != 4
// Zones made here are linked to the network made here, and only to it: a network of the customer's often resolves
// these names already (hub and spoke), and Azure refuses a second link of a zone of the same name to it.
var zonesNeeded = privateNetworking && !empty(existingAppSubnetId) && empty(existingPrivateDnsZoneIds)
// A topic's group says where an existing topic is: without its name there is none to look for.
var topicGroupsAlone = filter(flowLogAccounts, account => !empty(account.?existingSystemTopicResourceGroup ?? '') && empty(account.?existingSystemTopicName ?? ''))
// Polling uses no topic: one named would be neither used nor changed, and a subscription an earlier deployment put on it
// would go on writing into a queue nobody reads. Refused, so that the parameter file says what is deployed.
var topicsUnused = polling ? filter(flowLogAccounts, account => !empty(account.?existingSystemTopicName ?? '') || !empty(account.?existingSystemTopicResourceGroup ?? '')) : []
// A polling run that keeps up starts at most one interval after the previous one started, which ran for less than an
// interval: it sees commits up to twice the interval old, and a window that long holds at least one run's line. A lag
// or no-delivery alert on less would fire on a healthy app.
var pollingSpan = 2 * pollingMinutes
var alertsBelowPolling = polling && (alertNoDeliveryMinutes < pollingSpan || alertLagMinutes < pollingSpan)
// Flex Consumption takes a maximumInstanceCount of 1 to 1000 (Microsoft, "Event-driven scaling in Azure Functions",
// Flex Consumption: "the lowest maximum instance count value is 1, and the highest supported … 1000").
var maximumInstances = maxConcurrentIntakeRequests / intakeRequestsPerInstance
var instancesOutOfBounds = maximumInstances < 1 || maximumInstances > 1000
var checkedPrefix = !prefixIsValid
  ? fail('namePrefix \'${namePrefix}\' must be lower-case letters and digits, starting with a letter.')
  : webhookForMany
      ? fail('delivery \'webhook\' serves one flow-log account (the blob triggers read through the one connection FlowLogStorage); ${length(flowLogAccounts)} were given: use delivery \'queue\' (or \'polling\').')
      : subnetsHalfGiven
          ? fail('existingAppSubnetId and existingPrivateEndpointSubnetId are given together or not at all.')
          : accountsRepeated
              ? fail('flowLogAccounts lists an account more than once: ${join(accountNames, ', ')}.')
              : zonesMiscounted
                  ? fail('existingPrivateDnsZoneIds takes the four zones privatelink.blob, privatelink.queue, privatelink.table and privatelink.vaultcore, in that order; ${length(existingPrivateDnsZoneIds)} were given.')
                  : zonesNeeded
                      ? fail('with existingAppSubnetId, give existingPrivateDnsZoneIds (privatelink.blob, .queue, .table and privatelink.vaultcore, in that order): your network may already resolve those names through zones of the same name, as a hub does, and Azure refuses to link a second one; the template links the zones it creates only to a network it creates.')
                      : !empty(topicGroupsAlone)
                          ? fail('existingSystemTopicResourceGroup is given without existingSystemTopicName for ${join(map(topicGroupsAlone, a => a.name), ', ')}: name the topic too.')
                          : instancesOutOfBounds
                              ? fail('maxConcurrentIntakeRequests (${maxConcurrentIntakeRequests}) / intakeRequestsPerInstance (${intakeRequestsPerInstance}) gives ${maximumInstances} instances; Flex Consumption\'s maximumInstanceCount takes 1 to 1000.')
                              : !empty(topicsUnused)
                                  ? fail('delivery \'polling\' uses no Event Grid system topic; existingSystemTopicName or existingSystemTopicResourceGroup is given for ${join(map(topicsUnused, a => a.name), ', ')}: remove them (the topic is left as it is; delete the subscriptions an earlier deployment of this app put on it: infra/README.md, "Polling instead of Event Grid").')
                                  : alertsBelowPolling
                                      ? fail('with delivery \'polling\' every ${pollingMinutes} minutes, alertNoDeliveryMinutes (${alertNoDeliveryMinutes}) and alertLagMinutes (${alertLagMinutes}) must be at least twice pollingMinutes (${pollingSpan}): a run that keeps up sees commits up to that old, and a shorter window may hold no run.')
                                      : namePrefix

// Webhook delivery needs an inbound call to the app, which private networking does not take: queue instead. Polling
// needs neither Event Grid nor an inbound call, so it stays.
var effectiveDelivery = privateNetworking && delivery == 'webhook' ? 'queue' : delivery
var polling = effectiveDelivery == 'polling'
var suffix = uniqueString(subscription().id, resourceGroup().id, checkedPrefix)
var appName = '${checkedPrefix}-${suffix}'
var storageName = take('${checkedPrefix}${suffix}', 24)
var deploymentContainer = 'app-package'
var deadLetterContainer = 'flowlogs-deadletter'
var eventGridDeadLetterContainer = 'eventgrid-deadletter'
// The queue the function FlowLogEvents reads (queue delivery); its poison queue is the host's flowlog-events-poison.
var eventQueue = 'flowlog-events'
var containers = [
  'insights-logs-flowlogflowevent'
  'insights-logs-networksecuritygroupflowevent'
]

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: '${appName}-identity'
  location: location
}

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: '${appName}-logs'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
    workspaceCapping: {
      dailyQuotaGb: logDailyCapGb
    }
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${appName}-insights'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
    // Everything exported is kept: the alerts and the workbook count rows (requests, traces, metrics); the volume is
    // bounded by the workspace's daily cap instead (infra/README.md, "Telemetry volume").
    SamplingPercentage: 100
  }
}

// The app's own account: deployment package, AzureWebJobsStorage, checkpoints, replay state, dead letters, the events
// queue. With private networking its data endpoints answer only its private endpoints and trusted Azure services
// authenticating with an identity (Event Grid delivering to the queue and dead-lettering: Event Grid cannot deliver
// through a private endpoint).
resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: storageName
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
    }
  }

  resource blobService 'blobServices' = {
    name: 'default'

    resource blobContainers 'containers' = [for name in [deploymentContainer, deadLetterContainer, eventGridDeadLetterContainer]: {
      name: name
      properties: {
        publicAccess: 'None'
      }
    }]
  }

  resource queueService 'queueServices' = {
    name: 'default'

    resource queue 'queues' = {
      name: eventQueue
    }
  }

  resource tableService 'tableServices' = {
    name: 'default'

    resource tables 'tables' = [for name in ['flowlogcheckpoints', 'flowlogreplay']: {
      name: name
    }]
  }

  // Dead letters expire after deadLetterRetentionDays, long after the replay (7 days back) could have caught them up.
  // Queues have no lifecycle rules: poison messages expire with their time-to-live, and the replay reads every blob of
  // the look-back by listing, whatever became of its events.
  resource lifecycle 'managementPolicies' = {
    name: 'default'
    properties: {
      policy: {
        rules: [
          {
            name: 'expire-dead-letters'
            enabled: true
            type: 'Lifecycle'
            definition: {
              filters: {
                blobTypes: [
                  'blockBlob'
                  'appendBlob'
                ]
                prefixMatch: [
                  '${deadLetterContainer}/'
                  '${eventGridDeadLetterContainer}/'
                ]
              }
              actions: {
                baseBlob: {
                  delete: {
                    daysAfterModificationGreaterThan: deadLetterRetentionDays
                  }
                }
              }
            }
          }
        ]
      }
    }
  }
}

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: take('${checkedPrefix}kv${suffix}', 24)
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    enablePurgeProtection: true
    softDeleteRetentionInDays: 30
    // A vault deleted with its resource group stays soft-deleted (purge protection) under the same name: recover it.
    createMode: keyVaultCreateMode
    // With private networking the app reads the key through the vault's private endpoint and nothing else may: the
    // secret itself is written by Resource Manager, which the closed data plane does not concern.
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
    }
  }

  resource intakeKeySecret 'secrets' = {
    name: 'sekoia-intake-key'
    properties: {
      value: intakeKey
    }
  }

  resource nsgIntakeKeySecret 'secrets' = if (!empty(nsgIntakeKey)) {
    name: 'sekoia-nsg-intake-key'
    properties: {
      value: nsgIntakeKey
    }
  }
}

#disable-next-line use-recent-api-versions // the newest version of diagnostic settings; no later one exists
resource vaultAudit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'flowlogs-audit'
  scope: vault
  properties: {
    workspaceId: workspace.id
    logs: [
      {
        category: 'AuditEvent'
        enabled: true
      }
    ]
  }
}

module network 'modules/private-network.bicep' = if (privateNetworking) {
  name: '${appName}-network'
  params: {
    namePrefix: appName
    location: location
    storageAccountName: storage.name
    vaultName: vault.name
    addressPrefix: vnetAddressPrefix
    existingAppSubnetId: existingAppSubnetId
    existingPrivateEndpointSubnetId: existingPrivateEndpointSubnetId
    existingPrivateDnsZoneIds: existingPrivateDnsZoneIds
  }
}

// Each flow-log account, read where it lives (region, blob endpoint), with the app's reader role there.
module accounts 'modules/flow-log-account.bicep' = [for (account, i) in flowLogAccounts: {
  name: '${appName}-account-${i}'
  scope: resourceGroup(account.?subscriptionId ?? subscription().subscriptionId, account.resourceGroup)
  params: {
    storageAccountName: account.name
    principalId: identity.properties.principalId
    containers: containers
  }
}]

// Event Grid on each account, in the account's region, in the resource group of its topic (an existing topic's own
// group when given, else the account's, where a created topic goes). None with polling delivery.
module events 'modules/flow-log-events.bicep' = [for (account, i) in flowLogAccounts: if (!polling) {
  name: '${appName}-events-${i}'
  scope: resourceGroup(account.?subscriptionId ?? subscription().subscriptionId, account.?existingSystemTopicResourceGroup ?? account.resourceGroup)
  params: {
    storageAccountName: account.name
    storageAccountResourceGroup: account.resourceGroup
    location: accounts[i].outputs.location
    existingSystemTopicName: account.?existingSystemTopicName ?? ''
    // Never polling here (the module is not deployed then).
    delivery: effectiveDelivery == 'webhook' ? 'webhook' : 'queue'
    appSubscriptionId: subscription().subscriptionId
    appResourceGroup: resourceGroup().name
    appStorageAccountName: storage.name
    eventQueue: eventQueue
    deadLetterContainer: eventGridDeadLetterContainer
    containers: containers
    workspaceId: workspace.id
    deploymentPrefix: appName
  }
  dependsOn: [
    storage::queueService::queue
    storage::blobService::blobContainers
  ]
}]

var hostSettings = [
  // The host's storage, by identity (no keys anywhere), at the account's own endpoints (any cloud, any DNS zone).
  { name: 'AzureWebJobsStorage__blobServiceUri', value: storage.properties.primaryEndpoints.blob }
  { name: 'AzureWebJobsStorage__queueServiceUri', value: storage.properties.primaryEndpoints.queue }
  { name: 'AzureWebJobsStorage__tableServiceUri', value: storage.properties.primaryEndpoints.table }
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }
  // Account 0, the connection the blob triggers name, at the blob endpoint the account reports, by identity. The
  // webhook blob trigger keeps its internal queue (and poison queue) in the app's own account, so the app needs
  // nothing but reading on the customer's accounts. Every account's connection is listed, in order.
  { name: 'FlowLogStorage__blobServiceUri', value: accounts[0].outputs.blobEndpoint }
  { name: 'FlowLogStorage__queueServiceUri', value: storage.properties.primaryEndpoints.queue }
  { name: 'FlowLogStorage__credential', value: 'managedidentity' }
  { name: 'FlowLogStorage__clientId', value: identity.properties.clientId }
  { name: 'FlowLogs__Storage__FlowLogConnections__0', value: 'FlowLogStorage' }
  // Concurrency per instance: the memory model above (triggerConcurrency × 123 MiB); a queue trigger runs up to
  // batchSize + newBatchThreshold messages at once.
  { name: 'AzureFunctionsJobHost__extensions__blobs__maxDegreeOfParallelism', value: string(triggerConcurrency) }
  { name: 'AzureFunctionsJobHost__extensions__queues__batchSize', value: string(triggerConcurrency - (triggerConcurrency / 2)) }
  { name: 'AzureFunctionsJobHost__extensions__queues__newBatchThreshold', value: string(triggerConcurrency / 2) }
  // Logs, traces and the FlowLogs meter, exported by the worker with OpenTelemetry (host.json telemetryMode), by identity.
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identity.properties.clientId};Authorization=AAD' }
  { name: 'ReplaySchedule', value: polling ? '0 */${pollingMinutes} * * * *' : replaySchedule }
  { name: 'FlowLogs__Sink__Kind', value: 'sekoia' }
  { name: 'FlowLogs__Sekoia__BaseUrl', value: intakeUrl }
  { name: 'FlowLogs__Sekoia__Payload', value: payload }
  { name: 'FlowLogs__Sekoia__IntakeKey', value: '@Microsoft.KeyVault(SecretUri=${vault::intakeKeySecret.properties.secretUri})' }
  { name: 'FlowLogs__Sekoia__MaxConcurrentRequests', value: string(intakeRequestsPerInstance) }
]

// Accounts 1, 2, …: the connections FlowLogStorage1, FlowLogStorage2, … (account 0 is FlowLogStorage, above).
module accountSettings 'modules/flow-log-settings.bicep' = {
  name: '${appName}-settings'
  params: {
    blobEndpoints: [for i in range(1, length(flowLogAccounts) - 1): accounts[i].outputs.blobEndpoint]
    clientId: identity.properties.clientId
  }
}

// NSG tuples go to an intake of their own when its key is given; otherwise to the intake key's, translated. (With
// payload Ecs the app refuses the setting at start, naming it: the key is a secure value the template cannot test
// before deploying without making every name depend on it.)
var nsgIntakeSettings = empty(nsgIntakeKey)
  ? []
  : [
      { name: 'FlowLogs__Sekoia__NsgIntakeKey', value: '@Microsoft.KeyVault(SecretUri=${vault::nsgIntakeKeySecret!.properties.secretUri})' }
    ]

// Only the delivery's functions run (and the replay timer, always): the others would listen on nothing (webhook) or on
// an empty queue.
var blobTriggersDisabled = [
  { name: 'AzureWebJobs.VNetFlowLogs.Disabled', value: 'true' }
  { name: 'AzureWebJobs.NsgFlowLogs.Disabled', value: 'true' }
]
var queueTriggerDisabled = [
  { name: 'AzureWebJobs.FlowLogEvents.Disabled', value: 'true' }
]

// Polling: the replay timer alone reads the blobs. No trigger's recent progress is waited for, and a commit is unread
// for up to twice the interval (pollingSpan) before the self-check calls it a commit nobody reads.
var pollingSettings = [
  { name: 'FlowLogs__Replay__TriggerGrace', value: '00:00:00' }
  { name: 'FlowLogs__Check__UnreadAfter', value: '${padLeft(string(pollingSpan / 60), 2, '0')}:${padLeft(string(pollingSpan % 60), 2, '0')}:00' }
]

var deliverySettings = {
  queue: blobTriggersDisabled
  webhook: queueTriggerDisabled
  polling: concat(blobTriggersDisabled, queueTriggerDisabled, pollingSettings)
}[effectiveDelivery]

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: '${appName}-plan'
  location: location
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: appName
  location: location
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    virtualNetworkSubnetId: privateNetworking ? network!.outputs.appSubnetId : null
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: concat(hostSettings, nsgIntakeSettings, accountSettings.outputs.settings, deliverySettings)
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        // Intake requests in flight ≤ instances × requests per instance (one worker process per instance, whose
        // requests are limited across all its calls). Flex applies the bound per function group: the events
        // function's (or the blob triggers') instances, and the replay timer's, each up to it.
        maximumInstanceCount: maximumInstances
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
  // The app resolves its Key Vault reference and opens its storage as soon as it exists: its roles come first. (A
  // role can still take minutes to apply after it is created; the app's self-check names an unresolved reference.)
  dependsOn: [
    appRoles
  ]
}

#disable-next-line use-recent-api-versions // the newest version of diagnostic settings; no later one exists
resource appLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'flowlogs-app'
  scope: app
  properties: {
    workspaceId: workspace.id
    logs: [
      {
        category: 'FunctionAppLogs'
        enabled: true
      }
    ]
  }
}

module appRoles 'modules/app-roles.bicep' = {
  name: '${appName}-roles'
  params: {
    principalId: identity.properties.principalId
    storageAccountName: storage.name
    vaultName: vault.name
    secretName: vault::intakeKeySecret.name
    hasNsgSecret: !empty(nsgIntakeKey)
    nsgSecretName: vault::nsgIntakeKeySecret!.name
    appInsightsName: insights.name
  }
}

// Alert rules on the app's metrics and log lines, and an action group when e-mail addresses are given.
module alerts 'modules/alerts.bicep' = {
  name: 'flowlogs-alerts'
  params: {
    namePrefix: appName
    location: location
    appInsightsName: insights.name
    enabled: alertsEnabled
    emails: alertEmails
    actionGroupIds: alertActionGroupIds
    noDeliveryMinutes: alertNoDeliveryMinutes
    lagThresholdMinutes: alertLagMinutes
    deadLetterThreshold: alertDeadLettersPerHour
    processingFailureThreshold: alertProcessingFailuresPerHour
    intakeRetryThreshold: alertIntakeRetriesPerHour
  }
}

// The operators' dashboard (infra/workbook.json).
module workbook 'modules/workbook.bicep' = {
  name: 'flowlogs-workbook'
  params: {
    displayName: 'Flow-log ingestion (${appName})'
    location: location
    appInsightsName: insights.name
  }
}

output functionAppName string = app.name
output functionAppHostName string = app.properties.defaultHostName
output appStorageAccountName string = storage.name
output identityPrincipalId string = identity.properties.principalId
output delivery string = effectiveDelivery
output eventGridDeadLetterContainer string = eventGridDeadLetterContainer
// Empty with polling delivery (no topic).
output systemTopics array = [for (account, i) in (polling ? [] : flowLogAccounts): {
  account: account.name
  subscriptionId: account.?subscriptionId ?? subscription().subscriptionId
  resourceGroup: account.?existingSystemTopicResourceGroup ?? account.resourceGroup
  topicName: events[i]!.outputs.topicName
}]
output egressIp string = privateNetworking ? network!.outputs.egressIp : ''
output alertRuleNames array = alerts.outputs.ruleNames
output workbookId string = workbook.outputs.workbookId
