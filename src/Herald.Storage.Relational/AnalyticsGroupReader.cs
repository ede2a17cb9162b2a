using System.Data.Common;
using System.Globalization;
using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Storage.Relational;

/// <summary>
/// One analytics group as both engines' summary queries return it: the group key, the twelve counts in
/// <see cref="DeliveryCounts"/> order, then p50, p95 and p99 latency in milliseconds (null when nothing was sent).
/// </summary>
public static class AnalyticsGroupReader
{
    /// <summary>The group whose key is column <paramref name="first"/>; a channel key is stored as its number and read as its wire name.</summary>
    public static AnalyticsGroup Map(DbDataReader r, int first, AnalyticsGrouping groupBy)
    {
        ArgumentNullException.ThrowIfNull(r);
        var key = r.StringOrNull(first);
        if (groupBy == AnalyticsGrouping.Channel && key is not null)
        {
            key = ((Channel)int.Parse(key, CultureInfo.InvariantCulture)).ToWire();
        }

        var counts = new DeliveryCounts(r.GetInt64(first + 1), r.GetInt64(first + 2), r.GetInt64(first + 3), r.GetInt64(first + 4), r.GetInt64(first + 5),
            r.GetInt64(first + 6), r.GetInt64(first + 7), r.GetInt64(first + 8), r.GetInt64(first + 9), r.GetInt64(first + 10), r.GetInt64(first + 11),
            r.GetInt64(first + 12));
        return new AnalyticsGroup(key, counts, Percentiles(r, first + 13));
    }

    /// <summary>p50, p95 and p99 in the three columns from <paramref name="first"/>.</summary>
    public static LatencyPercentiles Percentiles(DbDataReader r, int first)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new LatencyPercentiles(LongOrNull(r, first), LongOrNull(r, first + 1), LongOrNull(r, first + 2));
    }

    private static long? LongOrNull(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetInt64(ordinal);
}
