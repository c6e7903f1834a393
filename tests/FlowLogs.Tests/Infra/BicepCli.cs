using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlowLogs.Tests.Infra;

/// <summary>
/// The real Bicep CLI (from its NuGet package), started once for the whole run in its JSON-RPC mode
/// (<c>bicep jsonrpc --stdio</c>): the same compiler, linter and snapshot engine as <c>bicep build</c>, <c>lint</c> and
/// <c>snapshot</c>, without a process start and a cold JIT for each of the many templates and parameter sets.
/// </summary>
internal sealed class BicepCli : IDisposable
{
    private static readonly Lazy<BicepCli> Shared = new(() => new BicepCli());

    private readonly Process _process;
    private readonly Stream _input;
    private readonly Stream _output;
    private readonly object _gate = new();
    private int _nextId;

    private BicepCli()
    {
        string bicep = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepPath").Value!;
        var start = new ProcessStartInfo(bicep) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("jsonrpc");
        start.ArgumentList.Add("--stdio");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        _process = Process.Start(start)!;
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _input = _process.StandardInput.BaseStream;
        _output = _process.StandardOutput.BaseStream;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Dispose();
    }

    /// <summary>The one CLI of the test run.</summary>
    public static BicepCli Instance => Shared.Value;

    /// <summary>Compiles <paramref name="path"/> as <c>bicep build</c> does, linter included: the ARM JSON, or null, and every diagnostic as the CLI prints it.</summary>
    public (JsonObject? Template, string Diagnostics) Compile(string path)
    {
        JsonObject result = Call("bicep/compile", new JsonObject { ["path"] = path });
        string? contents = result["contents"]?.GetValue<string>();
        return (result["success"]!.GetValue<bool>() && contents is not null ? JsonNode.Parse(contents)!.AsObject() : null, Diagnostics(result));
    }

    /// <summary>
    /// The deployment snapshot of the .bicepparam at <paramref name="path"/>, as <c>bicep snapshot</c> writes it, or why
    /// there is none: the compiler's diagnostics, or the template's own failure as the deployment engine words it. One
    /// compilation when it succeeds; a failed one is compiled again for its diagnostics.
    /// </summary>
    public (JsonObject? Snapshot, string Errors) Snapshot(string path, string tenantId, string subscriptionId, string resourceGroup, string location)
    {
        var request = new JsonObject
        {
            ["path"] = path,
            ["metadata"] = new JsonObject { ["tenantId"] = tenantId, ["subscriptionId"] = subscriptionId, ["resourceGroup"] = resourceGroup, ["location"] = location, ["deploymentName"] = "main" },
            ["externalInputs"] = new JsonArray(),
        };
        try
        {
            JsonObject result = Call("bicep/getSnapshot", request);
            return (JsonNode.Parse(result["snapshot"]!.GetValue<string>())!.AsObject(), string.Empty);
        }
        catch (BicepRpcException ex) when (ex.Type == typeof(InvalidOperationException).FullName)
        {
            // The snapshot says only "Compilation failed": the compiler's own diagnostics say what.
            JsonObject compiled = Call("bicep/compileParams", new JsonObject { ["path"] = path, ["parameterOverrides"] = new JsonObject() });
            return (null, Diagnostics(compiled));
        }
        catch (BicepRpcException ex)
        {
            return (null, ex.Message);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    // "file(line,col) : Level code: message", one a line, as the CLI prints them.
    private static string Diagnostics(JsonObject result)
    {
        var text = new StringBuilder();
        foreach (JsonNode? d in result["diagnostics"]?.AsArray() ?? [])
        {
            JsonNode start = d!["range"]!["start"]!;
            text.Append(CultureInfo.InvariantCulture, $"{d["source"]}({start["line"]!.GetValue<int>() + 1},{start["char"]!.GetValue<int>() + 1}) : {d["level"]} {d["code"]}: {d["message"]}\n");
        }

        return text.ToString();
    }

    // One request at a time, framed as the CLI's JSON-RPC expects (Content-Length headers).
    private JsonObject Call(string method, JsonObject parameters)
    {
        lock (_gate)
        {
            int id = ++_nextId;
            byte[] body = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters });
            _input.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n\r\n")));
            _input.Write(body);
            _input.Flush();
            JsonObject answer = ReadMessage();
            if (answer["id"]?.GetValue<int>() != id)
            {
                throw new InvalidOperationException($"the Bicep CLI answered request {answer["id"]} to request {id}");
            }

            if (answer["error"] is JsonObject error)
            {
                throw new BicepRpcException(error["data"]?["type"]?.GetValue<string>(), error["data"]?["message"]?.GetValue<string>() ?? error["message"]?.GetValue<string>() ?? error.ToJsonString());
            }

            return answer["result"]!.AsObject();
        }
    }

    private JsonObject ReadMessage()
    {
        int length = -1;
        while (ReadHeaderLine() is { Length: > 0 } line)
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                length = int.Parse(line["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        if (length < 0)
        {
            throw new InvalidOperationException("the Bicep CLI sent a message without Content-Length");
        }

        byte[] body = new byte[length];
        _output.ReadExactly(body);
        return JsonNode.Parse(body)!.AsObject();
    }

    private string ReadHeaderLine()
    {
        var line = new StringBuilder();
        while (true)
        {
            int b = _output.ReadByte();
            if (b < 0)
            {
                throw new InvalidOperationException("the Bicep CLI exited");
            }

            if (b == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }

            line.Append((char)b);
        }
    }

    /// <summary>A request the CLI answered with an error: the exception type it names, and the compiler's or the deployment engine's words.</summary>
    private sealed class BicepRpcException(string? type, string message) : Exception(message)
    {
        public string? Type { get; } = type;
    }
}
