// The app side of private networking, in the app's resource group: the network (created, or the customer's subnets),
// a NAT gateway giving the app's outbound traffic (intake, Entra ID, Application Insights, Key Vault) one fixed public
// address when the template creates the network, private endpoints of the app's account (blob, queue, table) and the
// private DNS zones that resolve them inside the network.
targetScope = 'resourceGroup'

@description('Prefix of the resources\' names (the app\'s name).')
param namePrefix string

@description('Region of the network.')
param location string

@description('The app\'s own storage account.')
param storageAccountName string

@description('Address space of the network created; unused with existing subnets.')
param addressPrefix string

@description('Existing subnet for the app\'s VNet integration (delegated to Microsoft.App/environments); empty: created.')
param existingAppSubnetId string

@description('Existing subnet for the private endpoints; empty: created.')
param existingPrivateEndpointSubnetId string

@description('Existing private DNS zones privatelink.blob, .queue and .table (in that order), such as a hub\'s central zones; empty: zones are created here and linked to the network.')
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
        }
      }
    ]
  }
}

var appSubnetId = createNetwork ? resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'app') : existingAppSubnetId
var endpointSubnetId = createNetwork ? resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'private-endpoints') : existingPrivateEndpointSubnetId
// The network the zones are linked to: the app subnet's (its id up to /subnets/).
var vnetId = createNetwork ? vnet.id : substring(existingAppSubnetId, 0, indexOf(toLower(existingAppSubnetId), '/subnets/'))

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

var services = [
  'blob'
  'queue'
  'table'
]

// Enterprise networks resolve through central zones (and often a policy that fills them): then none are made here.
var createZones = empty(existingPrivateDnsZoneIds)

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [for service in services: if (createZones) {
  name: 'privatelink.${service}.${environment().suffixes.storage}'
  location: 'global'
}]

resource links 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [for (service, i) in services: if (createZones) {
  parent: zones[i]
  name: '${namePrefix}-link'
  location: 'global'
  properties: {
    registrationEnabled: false
    // A flow-log account whose private endpoint is not in this zone still resolves (publicly) instead of failing.
    resolutionPolicy: 'NxDomainRedirect'
    virtualNetwork: {
      id: vnetId
    }
  }
}]

resource endpoints 'Microsoft.Network/privateEndpoints@2025-05-01' = [for service in services: {
  name: '${storageAccountName}-${service}'
  location: location
  properties: {
    subnet: {
      id: endpointSubnetId
    }
    privateLinkServiceConnections: [
      {
        name: service
        properties: {
          privateLinkServiceId: storage.id
          groupIds: [
            service
          ]
        }
      }
    ]
  }
}]

resource zoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2025-05-01' = [for (service, i) in services: {
  parent: endpoints[i]
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: service
        properties: {
          privateDnsZoneId: createZones ? zones[i].id : existingPrivateDnsZoneIds[i]
        }
      }
    ]
  }
}]

output appSubnetId string = appSubnetId
output egressIp string = createNetwork ? natIp!.properties.ipAddress : ''
