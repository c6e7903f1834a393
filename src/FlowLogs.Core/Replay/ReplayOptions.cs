using System.ComponentModel.DataAnnotations;

namespace FlowLogs.Replay;

/// <summary>Settings of the missed-hour replay; bound from configuration section <see cref="SectionName"/>.</summary>
public sealed class ReplayOptions
{
    /// <summary>The configuration section (environment: <c>FlowLogs__Replay__WindowHours</c> and so on).</summary>
    public const string SectionName = "FlowLogs:Replay";

    /// <summary>Hours each run looks back over, the current one included.</summary>
    [Range(1, 24 * 31)]
    public int WindowHours { get; set; } = 3;

    /// <summary>Hours the very first run looks back over (when no run was recorded before).</summary>
    [Range(1, 24 * 366)]
    public int FirstRunLookbackHours { get; set; } = 24;

    /// <summary>An hour is complete (never listed again) once it is over by this much and every blob of it is read.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan CompletionGrace { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>Resource prefixes are discovered again (delimiter listings) at most this often; in between the remembered ones are used.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan DiscoveryInterval { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The table that remembers resource prefixes, complete hours and runs.</summary>
    [Required]
    [RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$", ErrorMessage = "FlowLogs:Replay:StateTable must be a valid table name (letters and digits, 3 to 63, starting with a letter)")]
    public string StateTable { get; set; } = "flowlogreplay";

    /// <summary>The containers to replay.</summary>
    public IList<string> Containers { get; } = [BlobSource.FlowLogBlob.VNetContainer, BlobSource.FlowLogBlob.NsgContainer];

    /// <summary>Blobs processed at once by one run.</summary>
    [Range(1, 64)]
    public int Parallelism { get; set; } = 4;
}
