using System.Buffers.Binary;

namespace FlowLogs.Ecs;

/// <summary>Formats Unix epoch milliseconds as ISO 8601 UTC with microseconds, the way the Sekoia intake does.</summary>
internal static class EcsTimestamp
{
    /// <summary>Length of <c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>.</summary>
    public const int Length = 27;

    // The "yyyy-MM-dd" of the last day formatted on this thread (tuples of a record fall on one or two days), as
    // 8 + 2 bytes; the day is stored plus one so that the default 0 means "nothing cached".
    [ThreadStatic]
    private static long t_dayPlusOne;

    [ThreadStatic]
    private static ulong t_dateHead;

    [ThreadStatic]
    private static ushort t_dateTail;

    /// <summary>Writes <paramref name="unixMilliseconds"/> (year 1970 to 9999) into <paramref name="destination"/>.</summary>
    public static int Write(long unixMilliseconds, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(unixMilliseconds);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Length);
        long seconds = unixMilliseconds / 1000;
        int millis = (int)(unixMilliseconds % 1000);
        long days = seconds / 86400;
        int secondOfDay = (int)(seconds % 86400);

        if (t_dayPlusOne == days + 1)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination, t_dateHead);
            BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], t_dateTail);
        }
        else
        {
            WriteDate(days, destination);
            t_dateHead = BinaryPrimitives.ReadUInt64LittleEndian(destination);
            t_dateTail = BinaryPrimitives.ReadUInt16LittleEndian(destination[8..]);
            t_dayPlusOne = days + 1;
        }

        destination[10] = (byte)'T';
        Digits(destination, 11, secondOfDay / 3600, 2);
        destination[13] = (byte)':';
        Digits(destination, 14, secondOfDay / 60 % 60, 2);
        destination[16] = (byte)':';
        Digits(destination, 17, secondOfDay % 60, 2);
        destination[19] = (byte)'.';
        Digits(destination, 20, millis, 3);
        destination[23] = (byte)'0';
        destination[24] = (byte)'0';
        destination[25] = (byte)'0';
        destination[26] = (byte)'Z';
        return Length;
    }

    // Days since 1970-01-01 to "yyyy-MM-dd" (Howard Hinnant's civil-from-days; no allocation, no tables).
    private static void WriteDate(long days, Span<byte> destination)
    {
        long z = days + 719468;
        long era = z / 146097;
        long dayOfEra = z - (era * 146097);
        long yearOfEra = (dayOfEra - (dayOfEra / 1460) + (dayOfEra / 36524) - (dayOfEra / 146096)) / 365;
        long dayOfYear = dayOfEra - ((365 * yearOfEra) + (yearOfEra / 4) - (yearOfEra / 100));
        long mp = ((5 * dayOfYear) + 2) / 153;
        int day = (int)(dayOfYear - (((153 * mp) + 2) / 5) + 1);
        int month = (int)(mp < 10 ? mp + 3 : mp - 9);
        int year = (int)(yearOfEra + (era * 400) + (month <= 2 ? 1 : 0));

        Digits(destination, 0, year, 4);
        destination[4] = (byte)'-';
        Digits(destination, 5, month, 2);
        destination[7] = (byte)'-';
        Digits(destination, 8, day, 2);
    }

    private static void Digits(Span<byte> destination, int at, int value, int count)
    {
        for (int i = at + count - 1; i >= at; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }
}
