// Stage 1: everything the flow-log pipeline needs in the customer's subscription, deployed into an empty resource
// group. Stage 2 (eventgrid.bicep) wires Event Grid once the code is published. See docs/operations.md "Deploy to Azure".
targetScope = 'resourceGroup'

@description('Prefix of every resource name (letters and digits, lower case).')
@minLength(3)
@maxLength(11)
param namePrefix string = 'flowlogs'

@description('Region of the app and its own resources.')
param location string = resourceGroup().location

@description('Name of the existing storage account Network Watcher writes flow logs to.')
param flowLogStorageAccountName string

@description('Resource group of that storage account (it may differ from this one).')
param flowLogStorageResourceGroup string = resourceGroup().name

@description('Base URL of the Sekoia.io intake: https://intake.sekoia.io, or https://intake.<region>.sekoia.io/api/v1/intake-http.')
param intakeUrl string = 'https://intake.sekoia.io'

@description('The intake key. Stored in Key Vault; the app reads it through a Key Vault reference.')
@secure()
param intakeKey string

@description('What is sent: Raw (Sekoia\'s "Azure Network Watcher Flow Logs" format) or Ecs (a custom format).')
@allowed([
  'Raw'
  'Ecs'
])
param payload string = 'Raw'

@description('NCRONTAB schedule of the missed-hour replay.')
param replaySchedule string = '0 */10 * * * *'

@description('Most instances Flex Consumption may scale to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of one instance, in MB. 2048 holds the 12 calls an instance may run at once (8 triggers, 4 replay catch-ups) at their worst (a read buffer of a 4 MiB chunk and a 32 MiB record, twice while it grows; a 32 MiB record parsed; a 4 MiB batch, twice; a 9 MiB request and its gzip: 123 MiB each) and 512 MiB of runtime; 512 could run out.')
@allowed([
  2048
  4096
])
param instanceMemoryMB int = 2048

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

var suffix = uniqueString(subscription().id, resourceGroup().id, namePrefix)
var appName = '${namePrefix}-${suffix}'
var storageName = take('${namePrefix}${suffix}', 24)
var deploymentContainer = 'app-package'
var deadLetterContainer = 'flowlogs-deadletter'
var eventGridDeadLetterContainer = 'eventgrid-deadletter'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${appName}-identity'
  location: location
}

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${appName}-logs'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
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
  }
}

// The app's own account: deployment package, AzureWebJobsStorage, checkpoints, replay state, dead letters.
resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
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
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for name in [deploymentContainer, deadLetterContainer, eventGridDeadLetterContainer]: {
  parent: blobService
  name: name
  properties: {
    publicAccess: 'None'
  }
}]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [for name in ['flowlogcheckpoints', 'flowlogreplay']: {
  parent: tableService
  name: name
}]

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: take('${namePrefix}kv${suffix}', 24)
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
  }
}

resource intakeKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'sekoia-intake-key'
  properties: {
    value: intakeKey
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
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

resource app 'Microsoft.Web/sites@2024-04-01' = {
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
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: [
        // The host's storage, by identity (no keys anywhere).
        { name: 'AzureWebJobsStorage__accountName', value: storage.name }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }
        // The customer's flow-log account, read only. The trigger's queue (poison messages) is the app's own account,
        // so the app needs nothing but Storage Blob Data Reader on the customer's account.
        { name: 'FlowLogStorage__blobServiceUri', value: 'https://${flowLogStorageAccountName}.blob.${environment().suffixes.storage}' }
        { name: 'FlowLogStorage__queueServiceUri', value: storage.properties.primaryEndpoints.queue }
        { name: 'FlowLogStorage__credential', value: 'managedidentity' }
        { name: 'FlowLogStorage__clientId', value: identity.properties.clientId }
        // Logs, traces and the FlowLogs meter, exported by the worker with OpenTelemetry (host.json telemetryMode), by identity.
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identity.properties.clientId};Authorization=AAD' }
        { name: 'ReplaySchedule', value: replaySchedule }
        { name: 'FlowLogs__Sink__Kind', value: 'sekoia' }
        { name: 'FlowLogs__Sekoia__BaseUrl', value: intakeUrl }
        { name: 'FlowLogs__Sekoia__Payload', value: payload }
        { name: 'FlowLogs__Sekoia__IntakeKey', value: '@Microsoft.KeyVault(SecretUri=${intakeKeySecret.properties.secretUri})' }
      ]
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
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

// What the host needs on its own account: Storage Blob Data Owner (deployment package, dead letters, trigger state),
// Storage Queue Data Contributor (trigger queues), Storage Table Data Contributor (checkpoints, replay state).
resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in [
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
]: {
  name: guid(storage.id, identity.id, role)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}]

// Key Vault Secrets User: the Key Vault reference of the intake key.
resource vaultRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, '4633458b-17de-408a-b874-0445c86b69e6')
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Monitoring Metrics Publisher: identity-based ingestion into Application Insights (local auth is off).
resource metricsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, identity.id, '3913510d-42f4-4e42-8a64-420c390055eb')
  scope: insights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '3913510d-42f4-4e42-8a64-420c390055eb')
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Read access to the customer's flow logs, granted where the account lives.
module flowLogReader 'modules/flow-log-reader.bicep' = {
  name: 'flow-log-reader'
  scope: resourceGroup(flowLogStorageResourceGroup)
  params: {
    storageAccountName: flowLogStorageAccountName
    principalId: identity.properties.principalId
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
output eventGridDeadLetterContainer string = eventGridDeadLetterContainer
output alertRuleNames array = alerts.outputs.ruleNames
output workbookId string = workbook.outputs.workbookId
