using FlowLogs.BlobSource;
using FlowLogs.Replay;
using FlowLogs.Testing;

namespace FlowLogs.Tests.Support;

/// <summary>Replay state as the replay leaves it once it knows some blobs' resource folders and has marked no hour.</summary>
internal static class KnownResources
{
    /// <summary>An in-memory replay state knowing the resource folder of each of <paramref name="blobs"/>, and nothing else.</summary>
    public static IReplayStateStore Of(params FlowLogBlob[] blobs)
    {
        var state = new MemoryReplayStateStore();
        foreach (FlowLogBlob blob in blobs)
        {
            Assert.That(BlobPath.TryParse(blob.Name, out BlobPath path), Is.True, blob.Name);
            state.AddPrefixAsync(new ResourcePrefix(blob.Account, blob.Container, path.ResourcePrefix), CancellationToken.None).GetAwaiter().GetResult();
        }

        return state;
    }
}
