using System.Buffers;
using System.Runtime.ExceptionServices;
using FlowLogs.Ecs;
using FlowLogs.Parsing;

namespace FlowLogs.Cli.Commands;

/// <summary>
/// <c>flowlogs parse</c> on two threads. Records are read and parsed in batches on a thread of their own, one batch
/// after another; each batch's events are serialized into the batch's own buffer by whichever thread is free, and the
/// caller writes the buffers in input order. The caller serializes the oldest batches; the parsing thread parses
/// while a batch is free and otherwise serializes the newest, so that the caller seldom waits for a batch that is
/// being serialized. Serializing costs about twice what parsing does: the parsing thread spends a third of its time
/// serializing and both cores stay busy. The output is byte for byte what one thread writes; memory stays bounded by
/// a fixed set of batches, and each hand-over costs a lock per batch, not per record.
/// </summary>
internal sealed class ParsePipeline
{
    /// <summary>Batches in flight: parsed, being serialized, serialized and waiting for their turn to be written.</summary>
    internal const int Batches = 8;

    /// <summary>A batch is handed over when it holds this many tuples (about 1 MB of ECS events) …</summary>
    internal const int TuplesPerBatch = 512;

    /// <summary>… or this many records, whichever comes first.</summary>
    internal const int RecordsPerBatch = 32;

    private readonly object _gate = new();
    private readonly FlowLogReader _reader;
    private readonly EventPayload _payload;
    private readonly Queue<Batch> _free = new();
    private readonly List<Batch> _toSerialize = [];
    private readonly Queue<Batch> _inOrder = new();
    private bool _parsed;
    private bool _stopped;
    private Exception? _parseFailure;

    private ParsePipeline(FlowLogReader reader, EventPayload payload)
    {
        _reader = reader;
        _payload = payload;
        for (int i = 0; i < Batches; i++)
        {
            _free.Enqueue(new Batch());
        }
    }

    /// <summary>
    /// Reads every record of <paramref name="reader"/> and writes one NDJSON event per tuple to
    /// <paramref name="output"/>, which it flushes; returns the number of events. <paramref name="reader"/> is used by
    /// nothing else meanwhile: each read is given a record of the pipeline's.
    /// </summary>
    public static long Run(FlowLogReader reader, Stream output, EventPayload payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(output);
        var pipeline = new ParsePipeline(reader, payload);
        try
        {
            return pipeline.Run(output, cancellationToken);
        }
        finally
        {
            foreach (Batch batch in pipeline._free.Concat(pipeline._inOrder))
            {
                batch.Dispose();
            }
        }
    }

    private long Run(Stream output, CancellationToken cancellationToken)
    {
        var parsing = new Thread(() => Parse(cancellationToken)) { IsBackground = true, Name = "flowlogs parse" };
        parsing.Start();
        using var serializer = new FlowEventSerializer(_payload);
        long events = 0;
        try
        {
            while (true)
            {
                Batch? batch;
                bool write;
                lock (_gate)
                {
                    while (true)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        if (_inOrder.TryPeek(out batch) && batch.IsSerialized)
                        {
                            _inOrder.Dequeue();
                            write = true;
                            break;
                        }

                        if (_toSerialize.Count > 0)
                        {
                            batch = _toSerialize[0];
                            _toSerialize.RemoveAt(0);
                            write = false;
                            break;
                        }

                        if (_parseFailure is not null)
                        {
                            // Everything parsed before the failure has been written.
                            ExceptionDispatchInfo.Throw(_parseFailure);
                        }

                        if (_parsed && _inOrder.Count == 0)
                        {
                            batch = null;
                            write = false;
                            break;
                        }

                        Monitor.Wait(_gate);
                    }
                }

                if (batch is null)
                {
                    break;
                }

                if (write)
                {
                    output.Write(batch.Output.WrittenSpan);
                    events += batch.Events;
                    batch.Clear();
                    lock (_gate)
                    {
                        _free.Enqueue(batch);
                        Monitor.PulseAll(_gate);
                    }
                }
                else
                {
                    Serialize(batch, serializer);
                }
            }

            output.Flush();
            return events;
        }
        finally
        {
            lock (_gate)
            {
                _stopped = true;
                Monitor.PulseAll(_gate);
            }

            parsing.Join();
        }
    }

    // The parsing thread: fills free batches in input order; when none is free, it serializes the newest parsed one.
    private void Parse(CancellationToken cancellationToken)
    {
        using var serializer = new FlowEventSerializer(_payload);
        try
        {
            while (true)
            {
                Batch? batch;
                bool parse;
                lock (_gate)
                {
                    while (true)
                    {
                        if (_stopped || cancellationToken.IsCancellationRequested)
                        {
                            return;
                        }

                        if (!_parsed && _free.TryDequeue(out batch))
                        {
                            parse = true;
                            break;
                        }

                        if (_toSerialize.Count > 0)
                        {
                            batch = _toSerialize[^1];
                            _toSerialize.RemoveAt(_toSerialize.Count - 1);
                            parse = false;
                            break;
                        }

                        if (_parsed)
                        {
                            return;
                        }

                        Monitor.Wait(_gate);
                    }
                }

                if (!parse)
                {
                    Serialize(batch, serializer);
                    continue;
                }

                bool more = Fill(batch);
                lock (_gate)
                {
                    if (batch.Count > 0)
                    {
                        _toSerialize.Add(batch);
                        _inOrder.Enqueue(batch);
                    }
                    else
                    {
                        _free.Enqueue(batch);
                    }

                    _parsed = !more;
                    Monitor.PulseAll(_gate);
                }
            }
        }
        catch (Exception ex)
        {
            lock (_gate)
            {
                _parseFailure = ex;
                Monitor.PulseAll(_gate);
            }
        }
    }

    // Reads records into the batch until it is full; false at the end of the input.
    private bool Fill(Batch batch)
    {
        int tuples = 0;
        while (batch.Count < RecordsPerBatch && tuples < TuplesPerBatch)
        {
            FlowRecord record = batch.Next();
            _reader.ReadInto(record);
            if (!_reader.Read())
            {
                return false;
            }

            tuples += record.Tuples.Length;
            batch.Count++;
        }

        return true;
    }

    private void Serialize(Batch batch, FlowEventSerializer serializer)
    {
        ArrayBufferWriter<byte> output = batch.Output;
        long events = 0;
        for (int r = 0; r < batch.Count; r++)
        {
            FlowRecord record = batch.Records[r];
            ReadOnlySpan<FlowTuple> tuples = record.Tuples;
            for (int i = 0; i < tuples.Length; i++)
            {
                serializer.Write(output, record, tuples[i]);
                output.GetSpan(1)[0] = (byte)'\n';
                output.Advance(1);
            }

            events += tuples.Length;
        }

        lock (_gate)
        {
            batch.Events = events;
            batch.IsSerialized = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Records parsed together, and their events once serialized.</summary>
    private sealed class Batch : IDisposable
    {
        public List<FlowRecord> Records { get; } = [];

        public int Count { get; set; }

        public ArrayBufferWriter<byte> Output { get; } = new(2 * 1024 * 1024);

        public long Events { get; set; }

        public bool IsSerialized { get; set; }

        /// <summary>The record that the next read of this batch fills.</summary>
        public FlowRecord Next()
        {
            if (Count == Records.Count)
            {
                Records.Add(new FlowRecord());
            }

            return Records[Count];
        }

        public void Clear()
        {
            Count = 0;
            Events = 0;
            IsSerialized = false;
            Output.ResetWrittenCount();
        }

        public void Dispose()
        {
            foreach (FlowRecord record in Records)
            {
                record.Dispose();
            }
        }
    }
}
