// Event Grid on one flow-log account, deployed in its topic's resource group (the account's, unless an existing topic
// lives elsewhere): its system topic (created, or one that already exists, since Event Grid allows a single system
// topic per source), the topic's delivery failures into the Log Analytics workspace, the topic identity's roles in the
// app's account, and with queue delivery the subscription writing BlobCreated events of the flow-log hour blobs into
// the app's events queue. Webhook subscriptions need the running code's blobs_extension key: eventgrid.bicep attaches
// them to this topic afterwards.
targetScope = 'resourceGroup'

@description('The flow-log storage account.')
param storageAccountName string

@description('Its resource group (same subscription): this one, unless an existing topic is in another.')
param storageAccountResourceGroup string

@description('Region of the account: a system topic lives in its source\'s region.')
param location string

@description('Name of a system topic the account already has; empty: one is created.')
param existingSystemTopicName string

@description('How events reach the app: webhook (subscriptions by eventgrid.bicep) or queue (subscription here).')
@allowed([
  'webhook'
  'queue'
])
param delivery string

@description('Subscription id of the app\'s resource group.')
param appSubscriptionId string

@description('Resource group of the app.')
param appResourceGroup string

@description('The app\'s own storage account.')
param appStorageAccountName string

@description('Queue of the app\'s account that receives the events (queue delivery).')
param eventQueue string

@description('Container of the app\'s account for events Event Grid could not deliver.')
param deadLetterContainer string

@description('Containers whose hour blobs are announced.')
param containers array

@description('Resource id of the Log Analytics workspace receiving the topic\'s delivery failures.')
param workspaceId string

@description('The app\'s name: prefix of what this module names, so that two apps can share a topic.')
param deploymentPrefix string

resource account 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
  scope: resourceGroup(storageAccountResourceGroup)
}

var useExisting = !empty(existingSystemTopicName)
var topicName = useExisting ? existingSystemTopicName : '${storageAccountName}-flowlogs'

resource newTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = if (!useExisting) {
  name: topicName
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: account.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

// The topic either way; read after newTopic is created (hence the explicit dependsOn where it is used).
resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: topicName
}

// An existing topic must have a system-assigned identity: Event Grid delivers to the queue and dead-letters with it
// (without one the deployment stops here, at 'identity'; infra/README.md says how to enable it). No fail() with a
// message: an expression on a value read during the deployment could be evaluated, and fail, before the topic exists.
var topicPrincipalId = topic.identity.principalId

#disable-next-line use-recent-api-versions // the newest version of diagnostic settings; no later one exists
resource deliveryFailures 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: '${deploymentPrefix}-delivery-failures'
  scope: topic
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        category: 'DeliveryFailures'
        enabled: true
      }
    ]
  }
  dependsOn: [
    newTopic
  ]
}

module writer 'event-grid-writer.bicep' = {
  name: '${deploymentPrefix}-eg-${take(uniqueString(topic.id), 6)}'
  scope: resourceGroup(appSubscriptionId, appResourceGroup)
  params: {
    storageAccountName: appStorageAccountName
    principalId: topicPrincipalId
    deadLetterContainer: deadLetterContainer
    eventQueue: delivery == 'queue' ? eventQueue : ''
  }
  dependsOn: [
    newTopic
  ]
}

var appStorageId = resourceId(appSubscriptionId, appResourceGroup, 'Microsoft.Storage/storageAccounts', appStorageAccountName)

// One subscription for both containers; the queue-triggered function checks account and container again.
resource toQueue 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = if (delivery == 'queue') {
  parent: topic
  name: '${deploymentPrefix}-queue'
  properties: {
    deliveryWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      destination: {
        endpointType: 'StorageQueue'
        properties: {
          resourceId: appStorageId
          queueName: eventQueue
          // As long as the replay looks back (168 h): what is older than that is left to nobody either way.
          queueMessageTimeToLiveInSeconds: 604800
        }
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      subjectEndsWith: '/PT1H.json'
      advancedFilters: [
        {
          operatorType: 'StringBeginsWith'
          key: 'subject'
          values: [for c in containers: '/blobServices/default/containers/${c}/']
        }
      ]
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
          resourceId: appStorageId
          blobContainerName: deadLetterContainer
        }
      }
    }
  }
  dependsOn: [
    newTopic
    writer
  ]
}

output topicName string = topicName
output topicPrincipalId string = topicPrincipalId
