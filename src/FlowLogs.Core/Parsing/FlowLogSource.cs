using System.IO.Hashing;
using System.Text;

namespace FlowLogs.Parsing;

/// <summary>Names the input that bytes come from (a blob or a file), so event ids are stable across reads.</summary>
internal sealed class FlowLogSource
{
    /// <summary>A source without a name, for ad-hoc parsing.</summary>
    public static FlowLogSource Anonymous { get; } = new(string.Empty);

    /// <summary>Creates a source.</summary>
    /// <param name="name">The blob name (container/path) or file path; part of every event id.</param>
    public FlowLogSource(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
        byte[] utf8 = Encoding.UTF8.GetBytes(name);
        NameUtf8 = utf8;
        NameHash = (long)XxHash64.HashToUInt64(utf8);
    }

    /// <summary>The blob name or file path.</summary>
    public string Name { get; }

    /// <summary>The name as UTF-8.</summary>
    public ReadOnlyMemory<byte> NameUtf8 { get; }

    /// <summary>XxHash64 of the name: the seed of this source's event ids.</summary>
    public long NameHash { get; }
}
