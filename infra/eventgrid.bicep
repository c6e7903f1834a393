// Webhook delivery only (one account), once the code runs (the host's blobs_extension key and the webhook handshake
// exist only then): one subscription per flow-log container on the account's system topic, delivering BlobCreated
// events of PT1H.json blobs to the app's blob triggers. The topic is the one main.bicep created or was given (its
// output systemTopics), so an account that already had a system topic keeps it. Deploy into the topic's resource
// group. Queue delivery, the default, needs none of this.
targetScope = 'resourceGroup'

@description('Name of the flow-log account\'s system topic (main.bicep output systemTopics[0].topicName).')
param systemTopicName string

@description('Subscription id of the function app; default: this deployment\'s.')
param appSubscriptionId string = subscription().subscriptionId

@description('Resource group of the function app.')
param appResourceGroup string

@description('Name of the function app (main.bicep output functionAppName).')
param functionAppName string

@description('Name of the app\'s own storage account (main.bicep output appStorageAccountName).')
param appStorageAccountName string

@description('Container of the app\'s account for events Event Grid could not deliver (main.bicep granted the topic\'s identity write access to it).')
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

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource app 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
  scope: resourceGroup(appSubscriptionId, appResourceGroup)
}

// The host's system key for the blobs extension (Microsoft.Web/sites/host has no Bicep types, hence listKeys on its id).
var blobsExtensionKey = listKeys('${app.id}/host/default', '2025-03-01').systemKeys.blobs_extension

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
      subjectEndsWith: '/PT1H.json'
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
          resourceId: resourceId(appSubscriptionId, appResourceGroup, 'Microsoft.Storage/storageAccounts', appStorageAccountName)
          blobContainerName: deadLetterContainer
        }
      }
    }
  }
}]

output topicName string = topic.name
output subscriptionNames array = [for (trigger, i) in triggers: subscriptions[i].name]
