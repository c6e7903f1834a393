// The app settings of the flow-log accounts after the first (main.bicep writes account 0 as the connection
// FlowLogStorage itself): account i is the connection FlowLogStorage<i>, reached at the blob endpoint the account
// reports, with the app's identity, and listed in order under FlowLogs:Storage:FlowLogConnections. A module only
// because main.bicep cannot loop over values it learns during the deployment (the endpoints, the client id); it
// deploys nothing.
targetScope = 'resourceGroup'

@description('Blob endpoint (properties.primaryEndpoints.blob) of accounts 1, 2, … in order.')
param blobEndpoints array

@description('Client id of the identity that reads them.')
param clientId string

var perAccount = [for (endpoint, j) in blobEndpoints: [
  { name: 'FlowLogStorage${j + 1}__blobServiceUri', value: endpoint }
  { name: 'FlowLogStorage${j + 1}__credential', value: 'managedidentity' }
  { name: 'FlowLogStorage${j + 1}__clientId', value: clientId }
  { name: 'FlowLogs__Storage__FlowLogConnections__${j + 1}', value: 'FlowLogStorage${j + 1}' }
]]

output settings array = flatten(perAccount)
