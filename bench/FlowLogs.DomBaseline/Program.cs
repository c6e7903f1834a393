using FlowLogs.DomBaseline;

// FlowLogs.DomBaseline FILE: the events of FILE on stdout, as `flowlogs parse FILE` writes them (see DomEventWriter).
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: FlowLogs.DomBaseline PT1H.json   (ECS events as NDJSON on stdout)");
    return 2;
}

using Stream stdout = Console.OpenStandardOutput();
long events = DomEventWriter.Write(args[0], stdout);
Console.Error.WriteLine($"FlowLogs.DomBaseline: {events} events written");
return 0;
