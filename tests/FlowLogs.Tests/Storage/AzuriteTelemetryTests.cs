using System.Diagnostics;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using FlowLogs.Testing;

namespace FlowLogs.Tests.Storage;

/// <summary>
/// Azurite never reaches outside the machine: every place the repository starts it passes <c>--disableTelemetry</c>,
/// and the running Azurite itself says its telemetry is off.
/// </summary>
[Category("Azurite")]
public partial class AzuriteTelemetryTests
{
    private const string Flag = "--disableTelemetry";

    // This file holds counter-examples (command lines without the flag); the scan leaves it out.
    private const string ThisFile = "tests/FlowLogs.Tests/Storage/AzuriteTelemetryTests.cs";

    private static readonly HashSet<string> ScannedExtensions = new(StringComparer.Ordinal) { ".cs", ".sh", ".md", ".json" };
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.Ordinal) { ".git", "node_modules", "bin", "obj", "TestResults", "local-run", "artifacts", ".vs" };

    [Test]
    public void EveryAzuriteCommandLineInTheRepositoryDisablesTelemetry()
    {
        var commands = new List<(string File, string Command)>();
        var csharpStarters = new List<string>();
        foreach (string file in RepositoryFiles())
        {
            string text = File.ReadAllText(Path.Combine(RepositoryRoot.Path, file));
            commands.AddRange(CommandLines(text).Select(command => (file, command)));
            if (file.EndsWith(".cs", StringComparison.Ordinal) && CSharpLaunch().IsMatch(text))
            {
                csharpStarters.Add(file);
            }
        }

        foreach ((string file, string command) in commands)
        {
            TestContext.Out.WriteLine($"{file}: {command}");
        }

        string[] lacking = commands
            .Where(c => !DisablesTelemetry(c.Command, File.ReadAllText(Path.Combine(RepositoryRoot.Path, c.File))))
            .Select(c => $"{c.File}: {c.Command}")
            .ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(lacking, Is.Empty, $"Azurite command lines without {Flag}");

            // The scan finds what it should: it cannot pass by finding nothing.
            Assert.That(commands.Select(c => c.File).Distinct(), Is.SupersetOf(new[] { "docs/operations.md", "scripts/run-local.sh" }));

            // C# starts Azurite in one place only, with one list of flags: a new C# starter goes through it.
            Assert.That(csharpStarters, Is.EqualTo(new[] { "tests/FlowLogs.Testing/AzuriteServer.cs" }), "C# files that launch the Azurite executable");
            Assert.That(AzuriteServer.Flags, Does.Contain(Flag));
        });
    }

    [Test]
    public void TheScanFlagsCommandLinesWithoutTheFlag()
    {
        const string Script = "FLAGS=(--disableTelemetry --silent)\nOTHER=\"--silent\"\n";
        Assert.Multiple(() =>
        {
            Assert.That(CommandLines("npx azurite --inMemoryPersistence --silent &"), Has.Count.EqualTo(1));
            Assert.That(CommandLines("npx azurite"), Has.Count.EqualTo(1), "no options at all: telemetry on");
            Assert.That(CommandLines("node_modules/.bin/azurite --skipApiVersionCheck \\\n  --blobPort 0 &"), Is.EqualTo(new[] { "node_modules/.bin/azurite --skipApiVersionCheck --blobPort 0 &" }), "continued lines are one command");
            Assert.That(CommandLines("docker run -p 10000:10000 mcr.microsoft.com/azure-storage/azurite"), Has.Count.EqualTo(1));
            Assert.That(CommandLines("new ProcessStartInfo(\"npx\", \"azurite-blob --blobPort 0\")"), Has.Count.EqualTo(1));

            Assert.That(CommandLines("Azurite raises no Event Grid events; the tests cannot start Azurite"), Is.Empty);
            Assert.That(CommandLines("\"azurite\": \"3.37.0\", \"bin\": { \"azurite\": \"dist/src/azurite.js\" }"), Is.Empty);
            Assert.That(CommandLines("if [ ! -x node_modules/.bin/azurite ]; then"), Is.Empty);

            Assert.That(DisablesTelemetry("npx azurite --inMemoryPersistence --silent &", ""), Is.False);
            Assert.That(DisablesTelemetry("npx azurite --disableTelemetry --inMemoryPersistence", ""), Is.True);
            Assert.That(DisablesTelemetry("node_modules/.bin/azurite \"${FLAGS[@]}\" --blobPort 0", Script), Is.True);
            Assert.That(DisablesTelemetry("node_modules/.bin/azurite $OTHER --blobPort 0", Script), Is.False);
            Assert.That(DisablesTelemetry("node_modules/.bin/azurite \"${MISSING[@]}\" --blobPort 0", Script), Is.False);

            Assert.That(CSharpLaunch().IsMatch("Path.Combine(RepositoryRoot.Path, \"node_modules\", \".bin\", \"azurite\")"), Is.True);
            Assert.That(CSharpLaunch().IsMatch("Path.Combine(directory, \"azurite\")"), Is.False, "a data folder named azurite starts nothing");
        });
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task RunningAzuriteSaysTelemetryIsOffAndStopsPromptlyOnSigterm(CancellationToken cancellationToken)
    {
        string folder = Directory.CreateTempSubdirectory("flowlogs-azurite-").FullName;
        try
        {
            string debugLog = Path.Combine(folder, "debug.log");
            await using AzuriteServer azurite = await AzuriteServer.StartAsync(null, 0, 0, 0, debugLog, cancellationToken);

            // A request first, as every test makes, so the stop below has a client's keep-alive connection to close too.
            var blobs = new BlobServiceClient(azurite.ConnectionString);
            await blobs.GetBlobContainerClient("telemetry").CreateAsync(cancellationToken: cancellationToken);

            // Azurite decides about telemetry once its three services listen, and says so in its debug log only
            // (its console says nothing about it): "Don't need initialize Telemetry. enableTelemetry: false, ..."
            // with the flag, "Telemetry initialize successfully." without it.
            string said = await WaitForTelemetryLineAsync(debugLog, cancellationToken);
            TimeSpan stop = await azurite.StopAsync(cancellationToken);
            TestContext.Out.WriteLine($"Azurite's debug log: {said}");
            TestContext.Out.WriteLine($"Azurite exited {stop.TotalMilliseconds:0} ms after SIGTERM");

            Assert.Multiple(() =>
            {
                Assert.That(said, Does.Contain("enableTelemetry: false"));
                Assert.That(File.ReadAllText(debugLog), Does.Not.Contain("Telemetry initialize successfully"));

                // With telemetry on, Azurite took up to 26 s; AzuriteServer kills it after 15 s. Off, it takes milliseconds.
                Assert.That(stop, Is.LessThan(TimeSpan.FromSeconds(10)), "time from SIGTERM to exit");
            });
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Every .cs, .sh, .md and .json file of the repository, and every script without an extension.</summary>
    private static IEnumerable<string> RepositoryFiles()
    {
        var pending = new Stack<DirectoryInfo>([new DirectoryInfo(RepositoryRoot.Path)]);
        while (pending.TryPop(out DirectoryInfo? directory))
        {
            foreach (DirectoryInfo child in directory.EnumerateDirectories())
            {
                if (!SkippedFolders.Contains(child.Name))
                {
                    pending.Push(child);
                }
            }

            foreach (FileInfo file in directory.EnumerateFiles())
            {
                string relative = Path.GetRelativePath(RepositoryRoot.Path, file.FullName).Replace('\\', '/');
                if (relative != ThisFile && (ScannedExtensions.Contains(file.Extension) || (file.Extension.Length == 0 && IsScript(file))))
                {
                    yield return relative;
                }
            }
        }
    }

    private static bool IsScript(FileInfo file)
    {
        using StreamReader reader = file.OpenText();
        var start = new char[2];
        return reader.ReadBlock(start) == 2 && start[0] == '#' && start[1] == '!';
    }

    /// <summary>The commands in <paramref name="text"/> that start Azurite, each with its continuation lines joined.</summary>
    private static List<string> CommandLines(string text) =>
        ContinuedLines().Replace(text, " ")
            .Split('\n')
            .Select(line => line.Trim())
            .Where(line => AzuriteCommand().IsMatch(line))
            .ToList();

    /// <summary>Whether the command passes the flag itself or through a variable the file defines with it.</summary>
    private static bool DisablesTelemetry(string command, string fileText)
    {
        if (command.Contains(Flag, StringComparison.Ordinal))
        {
            return true;
        }

        return VariableUse().Matches(command).Any(use =>
        {
            string name = Regex.Escape(use.Groups[1].Value);
            return Regex.Matches(fileText, $@"(?m)^\s*(?:export\s+|local\s+|readonly\s+)?{name}=(\([^)]*\)|""[^""]*""|'[^']*'|\S*)")
                .Any(definition => definition.Groups[1].Value.Contains(Flag, StringComparison.Ordinal));
        });
    }

    private static async Task<string> WaitForTelemetryLineAsync(string debugLog, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (File.Exists(debugLog))
            {
                using var stream = new FileStream(debugLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream);
                string? line;
                while ((line = await reader.ReadLineAsync(cancellationToken)) is not null)
                {
                    if (line.Contains("Telemetry", StringComparison.Ordinal))
                    {
                        return line;
                    }
                }
            }

            if (waited.Elapsed > TimeSpan.FromSeconds(30))
            {
                Assert.Fail($"Azurite wrote nothing about telemetry to {debugLog} in 30 s");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    // A line ending in a backslash goes on in the next one (shell).
    [GeneratedRegex(@"[ \t]*\\\r?\n[ \t]*")]
    private static partial Regex ContinuedLines();

    // npx azurite (with or without options); azurite, azurite-blob/-queue/-table (bare or with a path) followed by an
    // option or a variable; the Docker image.
    [GeneratedRegex(@"\bnpx\s+(?:-y\s+|--yes\s+)?azurite(?:-blob|-queue|-table)?\b|(?<![\w.-])azurite(?:-blob|-queue|-table)?(?=[ \t]+(?:-|""?\$))|azure-storage/azurite\b")]
    private static partial Regex AzuriteCommand();

    // C# naming the Azurite executable: node_modules/.bin/azurite (as a path or Path.Combine parts), its scripts, npx.
    [GeneratedRegex(@"\.bin\W{1,6}azurite\b|azurite(?:-blob|-queue|-table)?\.js\b|""npx""[^\n]*azurite|azure-storage/azurite\b")]
    private static partial Regex CSharpLaunch();

    // $NAME, ${NAME}, ${NAME[@]}
    [GeneratedRegex(@"\$\{?([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex VariableUse();
}
