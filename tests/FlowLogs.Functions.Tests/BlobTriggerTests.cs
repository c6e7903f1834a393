using FlowLogs.BlobSource;
using FlowLogs.Checkpoints;
using FlowLogs.Parsing;
using FlowLogs.Testing;
using FlowLogs.WorkerHost;

namespace FlowLogs.Functions.Tests;

[Category("Azurite")]
public class BlobTriggerTests
{
    private const string Key = "trigger-test-key";
    private static readonly DateTimeOffset Hour = new(2031, 3, 4, 5, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task AnInvocationDeliversExactlyItsBlobsTuplesAndCheckpointsThenARepeatDeliversNothingAndTheNextMinuteOnlyTheNewTuples()
    {
        Scenario scenario = Scenario.Create(seed: 11);
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        await using WorkerProtocolHost worker = await WorkerProtocolHost.StartAsync(FunctionsApp.BuildDirectory, AppSettings.For(scenario.Storage, intake, Key), CancellationToken.None);
        FlowLogBlob blob = null!;
        for (int minute = 0; minute < 3; minute++)
        {
            blob = await scenario.Simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, scenario.Nic(0), Hour.AddMinutes(minute), CancellationToken.None);
        }

        InvocationResult first = await worker.InvokeBlobTriggerAsync("VNetFlowLogs", blob.Name, CancellationToken.None);
        Assert.That(first.Succeeded, Is.True, first.Exception);
        List<string> delivered = Scenario.EventIds(intake, blob);
        Assert.That(delivered, Has.Count.EqualTo(scenario.Tuples(blob)).And.Count.EqualTo(36));
        Assert.That(delivered, Is.Unique);
        Assert.That(intake.Events, Has.Count.EqualTo(delivered.Count), "nothing but this blob's tuples");
        StoredCheckpoint? checkpoint = await scenario.Checkpoints.GetAsync(blob.FullName, CancellationToken.None);
        Assert.That(checkpoint, Is.Not.Null);
        Assert.That(checkpoint!.Value.Offset, Is.EqualTo(await scenario.CommittedLengthAsync(blob) - 2), "everything up to the ]} tail block is read");
        Assert.That(checkpoint.Value.EventsDelivered, Is.EqualTo(36));
        Assert.That(first.Logs.Select(l => l.Message), Has.Some.Contains(blob.FullName), "the invocation's logs are streamed with its id");

        InvocationResult repeat = await worker.InvokeBlobTriggerAsync("VNetFlowLogs", blob.Name, CancellationToken.None);
        Assert.That(repeat.Succeeded, Is.True, repeat.Exception);
        Assert.That(intake.Events, Has.Count.EqualTo(36), "a repeated trigger for the same commit delivers nothing");

        await scenario.Simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, scenario.Nic(0), Hour.AddMinutes(3), CancellationToken.None);
        InvocationResult next = await worker.InvokeBlobTriggerAsync("VNetFlowLogs", blob.Name, CancellationToken.None);
        Assert.That(next.Succeeded, Is.True, next.Exception);
        List<string> all = Scenario.EventIds(intake, blob);
        Assert.That(all, Has.Count.EqualTo(48).And.Count.EqualTo(scenario.Tuples(blob)));
        Assert.That(all, Is.Unique, "only the new minute's tuples were added");
        Assert.That((await scenario.Checkpoints.GetAsync(blob.FullName, CancellationToken.None))!.Value.EventsDelivered, Is.EqualTo(48));
    }

    [Test]
    public async Task TheNsgTriggerReadsNsgBlobsAndIgnoresNamesThatAreNotPt1hJson()
    {
        Scenario scenario = Scenario.Create(seed: 12);
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        await using WorkerProtocolHost worker = await WorkerProtocolHost.StartAsync(FunctionsApp.BuildDirectory, AppSettings.For(scenario.Storage, intake, Key), CancellationToken.None);
        FlowLogBlob blob = await scenario.Simulator.AppendMinuteAsync(FlowLogKind.NetworkSecurityGroup, scenario.Nic(1), Hour, CancellationToken.None);
        await scenario.Simulator.AppendMinuteAsync(FlowLogKind.NetworkSecurityGroup, scenario.Nic(1), Hour.AddMinutes(1), CancellationToken.None);

        InvocationResult other = await worker.InvokeBlobTriggerAsync("NsgFlowLogs", blob.Name.Replace("PT1H.json", "PT1H.json.tmp", StringComparison.Ordinal), CancellationToken.None);
        InvocationResult result = await worker.InvokeBlobTriggerAsync("NsgFlowLogs", blob.Name, CancellationToken.None);

        Assert.That(other.Succeeded, Is.True, other.Exception);
        Assert.That(result.Succeeded, Is.True, result.Exception);
        Assert.That(Scenario.EventIds(intake, blob), Has.Count.EqualTo(scenario.Tuples(blob)).And.Count.EqualTo(24).And.Unique);
        Assert.That(intake.Events, Has.Count.EqualTo(24));
    }

    [Test]
    public async Task ConcurrentInvocationsOfTheSameBlobDeliverEveryTupleExactlyOnce()
    {
        Scenario scenario = Scenario.Create(seed: 13);
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        await using WorkerProtocolHost worker = await WorkerProtocolHost.StartAsync(FunctionsApp.BuildDirectory, AppSettings.For(scenario.Storage, intake, Key), CancellationToken.None);
        FlowLogBlob blob = null!;
        var invocations = new List<Task<InvocationResult>>();

        // Each commit announced several times at once (Event Grid's duplicates), the next commit landing meanwhile.
        for (int minute = 0; minute < 5; minute++)
        {
            blob = await scenario.Simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, scenario.Nic(2), Hour.AddMinutes(minute), CancellationToken.None);
            for (int copy = 0; copy < 6; copy++)
            {
                invocations.Add(worker.InvokeBlobTriggerAsync("VNetFlowLogs", blob.Name, CancellationToken.None));
            }
        }

        InvocationResult[] results = await Task.WhenAll(invocations);
        TestContext.Out.WriteLine($"{results.Length} invocations, {intake.Requests} intake requests, longest {results.Max(r => r.Duration).TotalMilliseconds:F0} ms, "
            + $"{results.Count(r => r.Logs.Any(l => l.Message.Contains("ClaimedElsewhere", StringComparison.Ordinal)))} found the blob held by another");
        Assert.That(results.Where(r => !r.Succeeded).Select(r => r.Exception), Is.Empty);

        // As with Event Grid, the last trigger may find the blob held by another invocation that already read it all.
        InvocationResult last = await worker.InvokeBlobTriggerAsync("VNetFlowLogs", blob.Name, CancellationToken.None);
        Assert.That(last.Succeeded, Is.True, last.Exception);
        List<string> ids = Scenario.EventIds(intake, blob);
        Assert.That(ids, Has.Count.EqualTo(scenario.Tuples(blob)).And.Count.EqualTo(60));
        Assert.That(ids, Is.Unique);
        Assert.That(results.Max(r => r.Duration), Is.LessThan(TimeSpan.FromSeconds(60)));
    }

    [Test]
    public async Task AnIntakeThatRefusesTheKeyFailsTheInvocationNamingTheSettingLeavesTheCheckpointAndNeverLogsTheKey()
    {
        const string WrongKey = "wrong-key-7f3a9c1e5b2d4086";
        Scenario scenario = Scenario.Create(seed: 14);
        await using LoopbackIntake intake = await LoopbackIntake.StartAsync(Key);
        await using WorkerProtocolHost worker = await WorkerProtocolHost.StartAsync(FunctionsApp.BuildDirectory, AppSettings.For(scenario.Storage, intake, WrongKey), CancellationToken.None);
        FlowLogBlob blob = await scenario.Simulator.AppendMinuteAsync(FlowLogKind.VirtualNetwork, scenario.Nic(3), Hour, CancellationToken.None);

        InvocationResult result = await worker.InvokeBlobTriggerAsync("VNetFlowLogs", blob.Name, CancellationToken.None);

        Assert.That(result.Status, Is.EqualTo(FlowLogs.WorkerHost.Protocol.StatusResult.Types.Status.Failure));
        TestContext.Out.WriteLine($"failure: {result.Exception}");
        Assert.That(result.Exception, Does.Contain("FlowLogs:Sekoia:IntakeKey"));
        Assert.That(intake.Requests, Is.GreaterThan(0), "the intake was asked");
        Assert.That(intake.Events, Is.Empty);
        StoredCheckpoint? checkpoint = await scenario.Checkpoints.GetAsync(blob.FullName, CancellationToken.None);
        Assert.That(checkpoint?.Value.Offset ?? 0, Is.Zero, "nothing acknowledged, nothing checkpointed");
        Assert.That(checkpoint?.Value.EventsDelivered ?? 0, Is.Zero);
        await worker.StopAsync(CancellationToken.None);
        Assert.That(worker.Logs, Is.Not.Empty);
        Assert.That(worker.Logs.Select(l => $"{l.Message} {l.Exception?.Message} {l.Exception?.StackTrace} {l.Properties}"), Has.None.Contains(WrongKey));
        Assert.That(worker.ProcessOutput, Has.None.Contains(WrongKey));
        Assert.That(result.Exception, Does.Not.Contain(WrongKey));
    }
}
