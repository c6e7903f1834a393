using FlowLogs.BlobSource;
using FlowLogs.Testing;

namespace FlowLogs.Tests;

/// <summary>
/// Public is what the hosts and library users need, no more: the library's exported types are the checked-in list in
/// PublicApi.txt. Making a type public (or internal) is a decision recorded by editing that list in the same change.
/// </summary>
public class PublicApiTests
{
    // The hosts' needs: the pipeline and its two entries (blob triggers, queue events), the parser as a library user
    // has it (reader, record, tuple, issues, the NDJSON writer; its helpers are internal), the dead-letter operations of
    // the flowlogs command, and the self-check (its runner, report and verdict) that both hosts run. Options are bound
    // from configuration, so they are internal; the app's state, as flowlogs status reads it, is the processor's own
    // checkpoint, which the command sees as internal.
    private const int MostPublicTypes = 27;

    [Test]
    public void TheLibraryExportsExactlyTheTypesListed()
    {
        string[] exported = [.. typeof(FlowLogBlob).Assembly.GetExportedTypes().Select(t => t.FullName!).Order(StringComparer.Ordinal)];
        string[] listed = [.. File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "tests", "FlowLogs.Tests", "PublicApi.txt"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Order(StringComparer.Ordinal)];

        Assert.Multiple(() =>
        {
            Assert.That(exported.Except(listed), Is.Empty, "public but not in PublicApi.txt: make it internal, or list it");
            Assert.That(listed.Except(exported), Is.Empty, "listed in PublicApi.txt but not public");
            Assert.That(exported, Has.Length.LessThanOrEqualTo(MostPublicTypes));
        });
    }
}
