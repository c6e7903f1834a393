// Storage Blob Data Reader on the existing flow-log account, deployed in that account's resource group.
targetScope = 'resourceGroup'

@description('The flow-log storage account.')
param storageAccountName string

@description('The app identity\'s principal id.')
param principalId string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1') // Storage Blob Data Reader
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
