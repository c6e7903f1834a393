// The app identity's roles in its own resource group. A module, so that assignment names can be built from the
// principal id (a value main.bicep only has at run time): recreating the identity under the same name then yields new
// assignments instead of RoleAssignmentUpdateNotPermitted on the old ones.
targetScope = 'resourceGroup'

@description('The app identity\'s principal id.')
param principalId string

@description('The app\'s own storage account.')
param storageAccountName string

@description('The Key Vault holding the intake keys.')
param vaultName string

@description('The intake key\'s secret.')
param secretName string

@description('Whether there is an NSG intake key.')
param hasNsgSecret bool = false

@description('The NSG intake key\'s secret, when there is one.')
param nsgSecretName string = 'sekoia-nsg-intake-key'

@description('The Application Insights component the app exports to.')
param appInsightsName string

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' existing = {
  name: vaultName

  resource secret 'secrets' existing = {
    name: secretName
  }

  resource nsgIntakeKeySecret 'secrets' existing = if (hasNsgSecret) {
    name: nsgSecretName
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

// What the host needs on its own account: Storage Blob Data Owner (deployment package, dead letters, trigger state),
// Storage Queue Data Contributor (trigger and event queues), Storage Table Data Contributor (checkpoints, replay state).
resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in [
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
]: {
  name: guid(storage.id, principalId, role)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}]

var secretsUser = '4633458b-17de-408a-b874-0445c86b69e6' // Key Vault Secrets User

// On each secret a Key Vault reference resolves, not on the vault.
resource secretRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault::secret.id, principalId, secretsUser)
  scope: vault::secret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource nsgSecretRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (hasNsgSecret) {
  name: guid(vault::nsgIntakeKeySecret.id, principalId, secretsUser)
  scope: vault::nsgIntakeKeySecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

var metricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher

// Identity-based ingestion into Application Insights (local auth is off).
resource metricsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, principalId, metricsPublisher)
  scope: insights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', metricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
