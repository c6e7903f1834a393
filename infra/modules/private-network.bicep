// The app side of private networking, in the app's resource group: the network (created, with a network security
// group on each of its subnets, or the customer's subnets), a NAT gateway giving the app's outbound traffic (intake,
// Entra ID, Application Insights) one fixed public address when the template creates the network, private endpoints of
// the app's account (blob, queue, table) and of its Key Vault, and the private DNS zones that resolve them: created and
// linked to the created network only, or the customer's.
targetScope = 'resourceGroup'

@description('Prefix of the resources\' names (the app\'s name).')
param namePrefix string

@description('Region of the network.')
param location string

@description('The app\'s own storage account.')
param storageAccountName string

@description('The Key Vault holding the intake key.')
param vaultName string

@description('Address space of the network created; unused with existing subnets.')
param addressPrefix string

@description('Existing subnet for the app\'s VNet integration (delegated to Microsoft.App/environments); empty: created.')
param existingAppSubnetId string

@description('Existing subnet for the private endpoints; empty: created.')
param existingPrivateEndpointSubnetId string

@description('Existing private DNS zones privatelink.blob, .queue, .table and privatelink.vaultcore (in that order), such as a hub\'s central zones; empty (only with a created network): zones are created here and linked to that network.')
param existingPrivateDnsZoneIds array

var createNetwork = empty(existingAppSubnetId)

resource natIp 'Microsoft.Network/publicIPAddresses@2025-05-01' = if (createNetwork) {
  name: '${namePrefix}-egress-ip'
  location: location
  sku: {
    name: 'Standard'
  }
  properties: {
    publicIPAllocationMethod: 'Static'
  }
}

// Subnets of new networks have no default outbound access: the app reaches the intake through this gateway.
resource nat 'Microsoft.Network/natGateways@2025-05-01' = if (createNetwork) {
  name: '${namePrefix}-nat'
  location: location
  sku: {
    name: 'Standard'
  }
  properties: {
    publicIpAddresses: [
      {
        id: natIp.id
      }
    ]
  }
}

// One network security group per created subnet, with Azure's default rules: inbound from the network and the load
// balancer only, outbound to the network and the internet (the NAT gateway). Nothing inbound is needed: the app is
// called by nobody in the network, and Event Grid writes to the queue, not to the app.
resource securityGroups 'Microsoft.Network/networkSecurityGroups@2025-05-01' = [for subnet in ['app', 'private-endpoints']: if (createNetwork) {
  name: '${namePrefix}-${subnet}-nsg'
  location: location
  properties: {
    securityRules: []
  }
}]

resource vnet 'Microsoft.Network/virtualNetworks@2025-05-01' = if (createNetwork) {
  name: '${namePrefix}-vnet'
  location: location
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'app'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 24, 0)
          natGateway: {
            id: nat.id
          }
          networkSecurityGroup: {
            id: securityGroups[0].id
          }
          delegations: [
            {
              name: 'flex'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 24, 1)
          networkSecurityGroup: {
            id: securityGroups[1].id
          }
          // The group's rules apply to the private endpoints' traffic too (they are exempt by default).
          privateEndpointNetworkPolicies: 'Enabled'
        }
      }
    ]
  }
}

var appSubnetId = createNetwork ? resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'app') : existingAppSubnetId
var endpointSubnetId = createNetwork ? resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'private-endpoints') : existingPrivateEndpointSubnetId

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' existing = {
  name: vaultName
}

// What gets a private endpoint, and the zone that resolves it (the cloud's own suffixes: .vault.azure.net gives
// privatelink.vaultcore.azure.net, as in every cloud).
var targets = [
  {
    name: '${storageAccountName}-blob'
    groupId: 'blob'
    resourceId: storage.id
    zone: 'privatelink.blob.${environment().suffixes.storage}'
  }
  {
    name: '${storageAccountName}-queue'
    groupId: 'queue'
    resourceId: storage.id
    zone: 'privatelink.queue.${environment().suffixes.storage}'
  }
  {
    name: '${storageAccountName}-table'
    groupId: 'table'
    resourceId: storage.id
    zone: 'privatelink.table.${environment().suffixes.storage}'
  }
  {
    name: '${vaultName}-vault'
    groupId: 'vault'
    resourceId: vault.id
    zone: replace(environment().suffixes.keyvaultDns, '.vault.', 'privatelink.vaultcore.')
  }
]

// Zones are created only with the network, and linked only to it: a network of the customer's may already have
// zones of these names linked (a hub's), and Azure refuses a second link of the same name (main.bicep asks for the
// customer's zones then).
var createZones = createNetwork && empty(existingPrivateDnsZoneIds)

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [for target in targets: if (createZones) {
  name: target.zone
  location: 'global'
}]

resource links 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [for (target, i) in targets: if (createZones) {
  parent: zones[i]
  name: '${namePrefix}-link'
  location: 'global'
  properties: {
    registrationEnabled: false
    // A flow-log account whose private endpoint is not in this zone still resolves (publicly) instead of failing.
    resolutionPolicy: 'NxDomainRedirect'
    virtualNetwork: {
      id: vnet.id
    }
  }
}]

resource endpoints 'Microsoft.Network/privateEndpoints@2025-05-01' = [for target in targets: {
  name: target.name
  location: location
  properties: {
    subnet: {
      id: endpointSubnetId
    }
    privateLinkServiceConnections: [
      {
        name: target.groupId
        properties: {
          privateLinkServiceId: target.resourceId
          groupIds: [
            target.groupId
          ]
        }
      }
    ]
  }
}]

resource zoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2025-05-01' = [for (target, i) in targets: {
  parent: endpoints[i]
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: target.groupId
        properties: {
          privateDnsZoneId: createZones ? zones[i].id : existingPrivateDnsZoneIds[i]
        }
      }
    ]
  }
}]

output appSubnetId string = appSubnetId
output egressIp string = createNetwork ? natIp!.properties.ipAddress : ''
