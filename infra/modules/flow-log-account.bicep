// One customer flow-log account, deployed in its own resource group (and subscription): reads the account (its region
// and blob endpoint, which the caller cannot read from an `existing` resource in another scope at the start of the
// deployment) and grants the app's identity Storage Blob Data Reader on it, limited by a condition to the two flow-log
// containers, since the same account often holds other diagnostics (insights-logs-*) the app has no business reading.
targetScope = 'resourceGroup'

@description('The flow-log storage account (in this resource group).')
param storageAccountName string

@description('The app identity\'s principal id.')
param principalId string

@description('The containers the identity may read.')
param containers array

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

var readerRole = '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1' // Storage Blob Data Reader

// Condition version 2.0: a blob read (and list: the same data action) is allowed only when the container is one of
// these; the role's other permissions (container metadata, user delegation keys) carry no blob data.
var containerMatches = join(map(containers, c => '@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals \'${c}\''), ' OR ')

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  // Scope + principal + role: a recreated identity (new principal id) gets a new assignment instead of colliding.
  name: guid(storage.id, principalId, readerRole)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', readerRole)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'Flow-log reader: blobs of the flow-log containers only.'
    conditionVersion: '2.0'
    condition: '((!(ActionMatches{\'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read\'})) OR (${containerMatches}))'
  }
}

output id string = storage.id
output location string = storage.location
output blobEndpoint string = storage.properties.primaryEndpoints.blob
