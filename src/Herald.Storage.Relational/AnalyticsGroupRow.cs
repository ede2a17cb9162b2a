using System.Data.Common;
using System.Globalization;
using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Storage.Relational;

/// <summary>
/// One group of the analytics summary as both engines select it, from column <c>first</c> on: the group key, the twelve
/// counts of <see cref="DeliveryCounts"/> in its order, then the p50, p95 and p99 latencies (NULL without a latency).
/// </summary>
public static class AnalyticsGroupRow
{
    public static AnalyticsGroup Map(DbDataReader r, int first, AnalyticsGrouping groupBy)
    {
        ArgumentNullException.ThrowIfNull(r);
        var key = r.StringOrNull(first);
        if (groupBy == AnalyticsGrouping.Channel && key is not null)
        {
            key = ((Channel)int.Parse(key, CultureInfo.InvariantCulture)).ToWire();
        }

        var c = first + 1;
        var counts = new DeliveryCounts(r.GetInt64(c), r.GetInt64(c + 1), r.GetInt64(c + 2), r.GetInt64(c + 3), r.GetInt64(c + 4), r.GetInt64(c + 5),
            r.GetInt64(c + 6), r.GetInt64(c + 7), r.GetInt64(c + 8), r.GetInt64(c + 9), r.GetInt64(c + 10), r.GetInt64(c + 11));
        return new AnalyticsGroup(key, counts, Latency(r, first + 13));
    }

    /// <summary>The p50, p95 and p99 latencies in three columns from <paramref name="first"/> on.</summary>
    public static LatencyPercentiles Latency(DbDataReader r, int first)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new LatencyPercentiles(LongOrNull(r, first), LongOrNull(r, first + 1), LongOrNull(r, first + 2));
    }

    private static long? LongOrNull(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetInt64(ordinal);
}
