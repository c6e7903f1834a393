using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace FlowLogs.Cli;

/// <summary>
/// The dependency-injection host of the commands that talk to storage. Settings come from environment variables
/// (<c>FlowLogs__Sekoia__IntakeKey</c>: secrets never go on a command line), then from the command's options; logs go
/// to stderr, so stdout stays for events.
/// </summary>
internal static class CliHost
{
    public static IHost Build(IDictionary<string, string?> settings, Action<IServiceCollection, IConfiguration> configure)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Azure", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Extensions.Http", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.Critical);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Logging.AddFilter("FlowLogs.Processing", LogLevel.Warning);
        builder.Services.AddSingleton(TimeProvider.System);
        configure(builder.Services, builder.Configuration);
        return builder.Build();
    }
}
