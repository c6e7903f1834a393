// What an Event Grid system topic's identity may do in the app's own account, deployed in the app's resource group:
// write dead-lettered events into their container, and (queue delivery) send messages to the events queue. Nothing
// wider: the account also holds the code package and the checkpoints.
targetScope = 'resourceGroup'

@description('The app\'s own storage account.')
param storageAccountName string

@description('The system topic identity\'s principal id.')
param principalId string

@description('Container of the dead-lettered events.')
param deadLetterContainer string

@description('Queue Event Grid delivers into; empty for webhook delivery (no queue role).')
param eventQueue string

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource container 'containers' existing = {
      name: deadLetterContainer
    }
  }

  resource queueService 'queueServices' existing = {
    name: 'default'

    resource queue 'queues' existing = {
      name: eventQueue
    }
  }
}

var blobContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe' // Storage Blob Data Contributor
var queueSender = 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a' // Storage Queue Data Message Sender

resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::blobService::container.id, principalId, blobContributor)
  scope: storage::blobService::container
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource queueWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(eventQueue)) {
  name: guid(storage::queueService::queue.id, principalId, queueSender)
  scope: storage::queueService::queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', queueSender)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
