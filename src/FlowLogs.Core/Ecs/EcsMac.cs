namespace FlowLogs.Ecs;

/// <summary>Formats a MAC address the way ECS wants it: six upper-case hex pairs joined by <c>-</c>.</summary>
internal static class EcsMac
{
    /// <summary>Length of a MAC in ECS form.</summary>
    public const int Length = 17;

    /// <summary>
    /// Writes <paramref name="raw"/> (12 hex digits as Azure writes it, or six pairs separated by <c>-</c> or <c>:</c>)
    /// in ECS form to <paramref name="destination"/>.
    /// </summary>
    /// <returns>false when <paramref name="raw"/> is not a MAC address (the destination then holds nothing usable).</returns>
    public static bool TryFormat(ReadOnlySpan<byte> raw, Span<byte> destination)
    {
        if (destination.Length < Length)
        {
            return false;
        }

        int step;
        if (raw.Length == 12)
        {
            step = 2;
        }
        else if (raw.Length == Length && (raw[2] == '-' || raw[2] == ':'))
        {
            step = 3;
            for (int i = 2; i < Length; i += 3)
            {
                if (raw[i] != raw[2])
                {
                    return false;
                }
            }
        }
        else
        {
            return false;
        }

        for (int pair = 0; pair < 6; pair++)
        {
            int hi = Upper(raw[pair * step]);
            int lo = Upper(raw[(pair * step) + 1]);
            if (hi < 0 || lo < 0)
            {
                return false;
            }

            destination[pair * 3] = (byte)hi;
            destination[(pair * 3) + 1] = (byte)lo;
            if (pair < 5)
            {
                destination[(pair * 3) + 2] = (byte)'-';
            }
        }

        return true;
    }

    private static int Upper(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b,
        >= (byte)'A' and <= (byte)'F' => b,
        >= (byte)'a' and <= (byte)'f' => b - 32,
        _ => -1,
    };
}
