// The operators' dashboard: an Azure Monitor workbook on the app's Application Insights component. Its content is
// infra/workbook.json (importable by hand too: Workbooks > New > Advanced editor); its queries use the metric names and
// message templates the code emits, checked by tests/FlowLogs.Tests/Infra/MonitoringTemplateTests.cs.
targetScope = 'resourceGroup'

@description('Name shown in the workbook gallery.')
param displayName string

@description('Region of the workbook (the Application Insights component\'s).')
param location string

@description('Name of the Application Insights component the workbook queries (in this resource group).')
param appInsightsName string

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(insights.id, 'flowlogs-workbook')
  location: location
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: insights.id
    serializedData: string(union(loadJsonContent('../workbook.json'), {
      fallbackResourceIds: [
        insights.id
      ]
    }))
  }
}

output workbookId string = workbook.id
