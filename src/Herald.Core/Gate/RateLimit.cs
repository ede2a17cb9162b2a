using System.Globalization;
using Herald.Core.Retries;

namespace Herald.Core.Gate;

/// <summary>A "count/window" limit such as "10/1h".</summary>
public sealed record RateLimit(int Count, TimeSpan Window)
{
    public static RateLimit Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var parts = spec.Split('/', 2, StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count <= 0)
        {
            throw new FormatException($"rate limit '{spec}' is not of the form count/window, e.g. 10/1h");
        }

        var window = RetryDelayFormat.ParseItem(parts[1]);
        if (window <= TimeSpan.Zero)
        {
            throw new FormatException($"rate limit '{spec}' needs a positive window");
        }

        return new RateLimit(count, window);
    }

    /// <summary>A limit that may be switched off: "none" (or empty) is no limit, anything else as <see cref="Parse"/>.</summary>
    public static RateLimit? ParseOptional(string? spec) =>
        string.IsNullOrWhiteSpace(spec) || spec.Trim().Equals("none", StringComparison.OrdinalIgnoreCase) ? null : Parse(spec);
}
