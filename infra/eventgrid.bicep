// Stage 2, after the code is published (the blobs_extension key and the webhook handshake exist only then): an Event
// Grid system topic on the flow-log account and one subscription per flow-log container, delivering BlobCreated
// events of PT1H.json blobs to the app's blob triggers. Deploy into the flow-log account's resource group.
targetScope = 'resourceGroup'

@description('Name of the existing storage account Network Watcher writes flow logs to (in this resource group).')
param flowLogStorageAccountName string

@description('Resource group of the function app (stage 1).')
param appResourceGroup string

@description('Name of the function app (output functionAppName of stage 1).')
param functionAppName string

@description('Name of the app\'s own storage account (output appStorageAccountName of stage 1).')
param appStorageAccountName string

@description('Region of the flow-log storage account (a system topic lives in its source\'s region).')
param location string = resourceGroup().location

@description('Container of the app\'s account for events Event Grid could not deliver.')
param deadLetterContainer string = 'eventgrid-deadletter'

// Function names as declared in src/FlowLogs.Functions/FlowLogTriggers.cs: a wrong name is answered 202 and dropped.
var triggers = [
  {
    container: 'insights-logs-flowlogflowevent'
    function: 'VNetFlowLogs'
  }
  {
    container: 'insights-logs-networksecuritygroupflowevent'
    function: 'NsgFlowLogs'
  }
]

resource flowLogStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: flowLogStorageAccountName
}

resource app 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
  scope: resourceGroup(appResourceGroup)
}

// The host's system key for the blobs extension (Microsoft.Web/sites/host has no Bicep types, hence listKeys on its id).
var blobsExtensionKey = listKeys('${app.id}/host/default', '2024-04-01').systemKeys.blobs_extension

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: '${flowLogStorageAccountName}-flowlogs'
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: flowLogStorage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

// Event Grid writes undeliverable events to the app's account with the topic's identity (shared keys are off there).
module deadLetterAccess 'modules/dead-letter-writer.bicep' = {
  name: 'eventgrid-dead-letter-writer'
  scope: resourceGroup(appResourceGroup)
  params: {
    storageAccountName: appStorageAccountName
    principalId: topic.identity.principalId
  }
}

resource subscriptions 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = [for trigger in triggers: {
  parent: topic
  name: toLower(trigger.function)
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: 'https://${app.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.${trigger.function}&code=${blobsExtensionKey}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      subjectBeginsWith: '/blobServices/default/containers/${trigger.container}/'
      subjectEndsWith: 'PT1H.json'
    }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: resourceId(subscription().subscriptionId, appResourceGroup, 'Microsoft.Storage/storageAccounts', appStorageAccountName)
          blobContainerName: deadLetterContainer
        }
      }
    }
  }
  dependsOn: [
    deadLetterAccess
  ]
}]

output topicName string = topic.name
output subscriptionNames array = [for (trigger, i) in triggers: subscriptions[i].name]
