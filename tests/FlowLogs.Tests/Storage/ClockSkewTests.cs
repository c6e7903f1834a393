using System.Diagnostics;
using System.Text.Json.Nodes;
using FlowLogs.BlobSource;
using FlowLogs.Cli;
using FlowLogs.Parsing;
using FlowLogs.Simulation;
using FlowLogs.Testing;
using FlowLogs.Tests.Support;

namespace FlowLogs.Tests.Storage;

/// <summary>
/// <c>flowlogs ingest</c> as a real process whose clock is wrong (libfaketime), against Azurite, whose clock is right:
/// hours are judged by the storage service's time, so a run ahead of it never marks an hour Azure still writes complete.
/// </summary>
[Category("Azurite")]
public class ClockSkewTests
{
    private const string FakeTime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

    [Test]
    public async Task CommitsMadeAfterARunWhoseClockWas70MinutesAheadAreDeliveredByTheNextRun()
    {
        RequireFakeTime();
        await using AzuriteServer azurite = await AzuriteServer.StartAsync();
        var simulator = new FlowLogSimulator(new Azure.Storage.Blobs.BlobServiceClient(azurite.ConnectionString), seed: 31, tuplesPerRecord: 4);

        // Azure writes the hour before this one, late (its blobs change now): over by the clock, not yet quiet.
        DateTimeOffset hour = BlobPath.HourOf(DateTimeOffset.UtcNow).AddHours(-1);
        for (int minute = 0; minute < 3; minute++)
        {
            await simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, new SimulatedNic(0), hour.AddMinutes(minute), CancellationToken.None);
            await simulator.AppendMinuteAsync(FlowLogKind.NetworkSecurityGroup, new SimulatedNic(1), hour.AddMinutes(minute), CancellationToken.None);
        }

        string output = Path.Combine(Path.GetTempPath(), $"flowlogs-skew-{Guid.NewGuid():N}.ndjson");
        (int skewedExit, string skewedErr) = await RunAheadAsync(TimeSpan.FromMinutes(70), "ingest", "--storage", azurite.ConnectionString, "--output", output, "--once");
        (_, string status, _) = await CliRun.RunAsync("status", "--storage", azurite.ConnectionString, "--json", "--hours", "2", "--max-listings", "0");

        // Azure goes on writing; nothing triggers. The next run's clock is right.
        for (int minute = 3; minute < 5; minute++)
        {
            await simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, new SimulatedNic(0), hour.AddMinutes(minute), CancellationToken.None);
            await simulator.AppendMinuteAsync(FlowLogKind.NetworkSecurityGroup, new SimulatedNic(1), hour.AddMinutes(minute), CancellationToken.None);
        }

        (int exit, _, string stderr) = await CliRun.RunAsync("ingest", "--storage", azurite.ConnectionString, "--output", output, "--once");

        string[] lines = await File.ReadAllLinesAsync(output);
        File.Delete(output);
        Assert.Multiple(() =>
        {
            Assert.That(skewedExit, Is.EqualTo(ExitCodes.Success), skewedErr);
            Assert.That(skewedErr, Does.Contain("off the storage service's"), "the skewed process says so");
            Assert.That(JsonNode.Parse(status)!["clockSkew"]!["appSeconds"]!.GetValue<double>(), Is.EqualTo(4200).Within(5), "flowlogs status shows the last replay's skew");
            Assert.That(exit, Is.EqualTo(ExitCodes.Success), stderr);
            Assert.That(lines, Has.Length.EqualTo(simulator.TuplesWritten), "0 lost");
            Assert.That(lines.Distinct().Count(), Is.EqualTo(lines.Length), "0 sent twice");
        });
    }

    // The test host's own build of the command, run with its clock moved by libfaketime (the monotonic clock is left
    // alone, so timers and timeouts behave).
    private static async Task<(int Exit, string Stderr)> RunAheadAsync(TimeSpan ahead, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", ["exec", Path.Combine(TestContext.CurrentContext.TestDirectory, "flowlogs.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["LD_PRELOAD"] = FakeTime;
        start.Environment["FAKETIME"] = $"+{(int)ahead.TotalMinutes}m";
        start.Environment["DONT_FAKE_MONOTONIC"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = await process.StandardError.ReadToEndAsync();
        await stdout;
        await process.WaitForExitAsync();
        return (process.ExitCode, stderr);
    }

    private static void RequireFakeTime()
    {
        if (File.Exists(FakeTime))
        {
            return;
        }

        // CI installs it (scripts/install-test-packages.sh) and requires it; elsewhere the test says what it needs.
        string why = $"libfaketime is not installed ({FakeTime}): run scripts/install-test-packages.sh";
        if (Environment.GetEnvironmentVariable("FLOWLOGS_REQUIRE_FAKETIME") == "1")
        {
            Assert.Fail(why);
        }

        Assert.Ignore(why);
    }
}
