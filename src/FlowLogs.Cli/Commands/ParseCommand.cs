using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FlowLogs.Ecs;
using FlowLogs.Parsing;

namespace FlowLogs.Cli.Commands;

/// <summary><c>flowlogs parse</c>: a PT1H.json or block delta to NDJSON on stdout, a summary on stderr.</summary>
public static class ParseCommand
{
    private const int IssuesPrinted = 20;

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var input = new Argument<string>("input")
        {
            Description = "A PT1H.json file or block delta, or - for standard input.",
        };
        var output = new Option<EventPayload>("--output", "-o")
        {
            Description = "ecs: full ECS events; raw: the flattened per-tuple records Sekoia's intake parses.",
            DefaultValueFactory = _ => EventPayload.Ecs,
        };
        var source = new Option<string?>("--source")
        {
            Description = "Blob name to use in event ids and log.file.path (default: the file path as given).",
        };
        Option<long> baseOffset = new Option<long>("--base-offset")
        {
            Description = "Byte offset of the input's first byte in the whole blob, for a block delta.",
            DefaultValueFactory = _ => 0,
        }.Takes(o => o >= 0, "0 or more");
        var deadLetter = new Option<FileInfo?>("--dead-letter")
        {
            Description = "Write every skipped piece of input (reason, location, bytes in base64) to this NDJSON file.",
        };

        var command = new Command("parse", "Parse flow-log bytes into one event per flow tuple (NDJSON on stdout).")
        {
            input,
            output,
            source,
            baseOffset,
            deadLetter,
        };
        CommandErrors.SetAction(command, (result, cancellationToken) => RunAsync(
            result.GetValue(input)!,
            result.GetValue(output),
            result.GetValue(source),
            result.GetValue(baseOffset),
            result.GetValue(deadLetter),
            result.InvocationConfiguration.Output,
            result.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        string input,
        EventPayload payload,
        string? sourceName,
        long baseOffset,
        FileInfo? deadLetter,
        TextWriter stdout,
        TextWriter stderr,
        CancellationToken cancellationToken)
    {
        Stream inputStream;
        try
        {
            // Read on the parsing thread of ParsePipeline, synchronously, in the reader's own large reads.
            inputStream = input == "-" ? Console.OpenStandardInput() : new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // The input's own path and the file system's words: nothing here holds a secret.
            throw new CommandFailedException($"cannot read '{input}': {ex.Message}", ex);
        }

        var stopwatch = Stopwatch.StartNew();
        await using (inputStream.ConfigureAwait(false))
        {
            using var deadLetters = deadLetter is null ? null : new DeadLetterFile(deadLetter);
            var options = new FlowLogReaderOptions { IssueReported = deadLetters is null ? null : deadLetters.Write };
            using var reader = new FlowLogReader(inputStream, sourceName ?? (input == "-" ? string.Empty : input), baseOffset, options);
            Stream stdoutStream = ReferenceEquals(stdout, Console.Out) ? Console.OpenStandardOutput() : new TextWriterStream(stdout);
            await using (stdoutStream.ConfigureAwait(false))
            {
                long events = ParsePipeline.Run(reader, stdoutStream, payload, cancellationToken);
                await WriteSummaryAsync(stderr, reader, events, stopwatch.Elapsed).ConfigureAwait(false);
            }

            return reader.Skipped > 0 ? ExitCodes.Skipped : ExitCodes.Success;
        }
    }

    private static async Task WriteSummaryAsync(TextWriter stderr, FlowLogReader reader, long events, TimeSpan elapsed)
    {
        for (int i = 0; i < Math.Min(reader.Issues.Count, IssuesPrinted); i++)
        {
            await stderr.WriteLineAsync($"skipped: {reader.Issues[i]}").ConfigureAwait(false);
        }

        if (reader.Skipped > IssuesPrinted)
        {
            await stderr.WriteLineAsync($"skipped: … and {reader.Skipped - IssuesPrinted} more (use --dead-letter to keep them all)").ConfigureAwait(false);
        }

        await stderr.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"flowlogs parse: {reader.RecordsRead} records, {reader.TuplesRead} tuples, {events} events written; skipped {reader.RecordsSkipped} records, {reader.TuplesSkipped} tuples, {reader.UnexpectedByteRuns} runs of unexpected bytes; {reader.BytesRead} bytes in {elapsed.TotalMilliseconds:F0} ms")).ConfigureAwait(false);
    }

    /// <summary>Skipped input as NDJSON: one object per issue, the bytes in base64.</summary>
    private sealed class DeadLetterFile : IDisposable
    {
        private readonly FileStream _file;
        private readonly Utf8JsonWriter _writer;

        public DeadLetterFile(FileInfo path)
        {
            _file = new FileStream(path.FullName, FileMode.Create, FileAccess.Write, FileShare.Read);
            _writer = new Utf8JsonWriter(_file);
        }

        public void Write(ParseIssue issue)
        {
            _writer.Reset(_file);
            issue.WriteJson(_writer);
            _writer.Flush();
            _file.WriteByte((byte)'\n');
        }

        public void Dispose()
        {
            _writer.Dispose();
            _file.Dispose();
        }
    }
}
