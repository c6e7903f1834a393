using System.Buffers;
using System.Runtime.CompilerServices;

namespace FlowLogs.Parsing;

/// <summary>
/// Arrays for buffers that grow by doubling: up to 1 MiB from the shared pool, larger ones (a record of 100,000
/// tuples) from the heap and never given back to the pool, which would otherwise keep one of every size it was handed
/// for the life of the process: a catch-up's working set, not its garbage.
/// </summary>
internal static class GrowingArrays
{
    private const int PooledBytes = 1024 * 1024;

    /// <summary>An array of at least <paramref name="minimumLength"/> items.</summary>
    public static T[] Rent<T>(int minimumLength)
        => (long)minimumLength * Unsafe.SizeOf<T>() <= PooledBytes ? ArrayPool<T>.Shared.Rent(minimumLength) : new T[minimumLength];

    /// <summary>Gives <paramref name="array"/> back: to the pool if it came from it, to the collector otherwise.</summary>
    public static void Return<T>(T[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        if ((long)array.Length * Unsafe.SizeOf<T>() <= PooledBytes && array.Length > 0)
        {
            ArrayPool<T>.Shared.Return(array);
        }
    }
}
