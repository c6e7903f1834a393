using Azure;
using FlowLogs.BlobSource;
using FlowLogs.Testing;

namespace FlowLogs.Tests.Storage;

/// <summary>A blob committed again in the middle of a document-mode stream makes the processor list again, not fail.</summary>
public class ConditionalReadStreamTests
{
    private static readonly FlowLogBlob Blob = new(AzuriteServer.Account, "c", "r/y=2026/m=11/d=23/h=10/PT1H.json");

    [TestCase(412)]
    [TestCase(404)]
    public void AResumedDownloadRefusedByItsConditionIsABlobChange(int status)
    {
        using var stream = new ConditionalReadStream(new FailingStream(new RequestFailedException(status, "condition not met")), Blob);

        Assert.That(async () => await stream.ReadAsync(new byte[16]), Throws.InstanceOf<BlobChangedException>().With.Property(nameof(BlobChangedException.Blob)).EqualTo(Blob));
        Assert.That(() => stream.Read(new byte[16], 0, 16), Throws.InstanceOf<BlobChangedException>());
    }

    [Test]
    public void OtherFailuresAreNotTakenForAChange()
    {
        using var stream = new ConditionalReadStream(new FailingStream(new RequestFailedException(503, "server busy")), Blob);

        Assert.That(async () => await stream.ReadAsync(new byte[16]), Throws.InstanceOf<RequestFailedException>());
    }

    [Test]
    public async Task BytesPassThrough()
    {
        await using var stream = new ConditionalReadStream(new MemoryStream("{\"records\":[]}"u8.ToArray()), Blob);
        using var reader = new StreamReader(stream);

        Assert.That(await reader.ReadToEndAsync(), Is.EqualTo("{\"records\":[]}"));
    }

    /// <summary>A download stream whose next read fails as the SDK's retrying stream does when its resumed request is refused.</summary>
    private sealed class FailingStream(Exception failure) : MemoryStream
    {
        public override int Read(byte[] buffer, int offset, int count) => throw failure;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromException<int>(failure);
    }
}
