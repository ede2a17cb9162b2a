using System.Globalization;

namespace Herald.Core.Retries;

/// <summary>One item of a retry list in configuration: a whole number followed by ms, s, m, h or d.</summary>
internal static class RetryDelayFormat
{
    private static readonly (string Unit, long TicksPerUnit)[] Units =
    [
        ("ms", TimeSpan.TicksPerMillisecond),
        ("s", TimeSpan.TicksPerSecond),
        ("m", TimeSpan.TicksPerMinute),
        ("h", TimeSpan.TicksPerHour),
        ("d", TimeSpan.TicksPerDay),
    ];

    public static TimeSpan ParseItem(string item)
    {
        // "ms" is listed before "m" and "s", so the longest unit wins.
        foreach (var (unit, ticksPerUnit) in Units)
        {
            if (item.Length > unit.Length
                && item.EndsWith(unit, StringComparison.Ordinal)
                && long.TryParse(item.AsSpan(0, item.Length - unit.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return value <= TimeSpan.MaxValue.Ticks / ticksPerUnit
                    ? TimeSpan.FromTicks(value * ticksPerUnit)
                    : throw Invalid(item);
            }
        }

        throw Invalid(item);
    }

    private static FormatException Invalid(string item) =>
        new($"Retry delay '{item}' is not a whole number followed by ms, s, m, h or d (e.g. \"5s,5m,30m,2h\").");
}
