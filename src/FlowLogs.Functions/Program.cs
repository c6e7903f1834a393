using FlowLogs.Hosting;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// The app is a thin shell: the pipeline (processor, replay, stores, sink) is registered by FlowLogs.Core, exactly as
// the flowlogs CLI registers it, from the app settings (FlowLogs__…, FlowLogStorage, AzureWebJobsStorage).
FunctionsApplicationBuilder builder = FunctionsApplication.CreateBuilder(args);
builder.Services
    .AddApplicationInsightsTelemetryWorkerService()
    .ConfigureFunctionsApplicationInsights();
builder.Services.AddFlowLogPipeline(builder.Configuration);
builder.Build().Run();
