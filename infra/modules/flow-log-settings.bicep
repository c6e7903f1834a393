// The app settings of the flow-log accounts, as the code reads them: account i is the connection FlowLogStorage (i = 0)
// or FlowLogStorage<i>, reached at the blob endpoint the account reports, with the app's identity, and listed in
// order under FlowLogs:Storage:FlowLogConnections. A module only because main.bicep cannot loop over values it learns
// during the deployment (the endpoints, the client id); it deploys nothing.
targetScope = 'resourceGroup'

@description('Blob endpoint of each flow-log account (properties.primaryEndpoints.blob), in order.')
param blobEndpoints array

@description('Client id of the identity that reads them.')
param clientId string

var connections = [for (endpoint, i) in blobEndpoints: i == 0 ? 'FlowLogStorage' : 'FlowLogStorage${i}']

var perAccount = [for (endpoint, i) in blobEndpoints: [
  { name: '${connections[i]}__blobServiceUri', value: endpoint }
  { name: '${connections[i]}__credential', value: 'managedidentity' }
  { name: '${connections[i]}__clientId', value: clientId }
  { name: 'FlowLogs__Storage__FlowLogConnections__${i}', value: connections[i] }
]]

output settings array = flatten(perAccount)
output connections array = connections
