namespace Herald.Bench.Load;

/// <summary>Percentiles of a sample by the nearest-rank method (p in [0, 1]); NaN for an empty sample.</summary>
internal static class Percentiles
{
    public static double Of(IReadOnlyCollection<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.ToArray();
        Array.Sort(sorted);
        return OfSorted(sorted, p);
    }

    public static double OfSorted(double[] sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(Math.Clamp(p, 0, 1) * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    /// <summary>p50, p99 and p99.9 of a sample.</summary>
    public static (double P50, double P99, double P999) Summary(IReadOnlyCollection<double> values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        return (OfSorted(sorted, 0.50), OfSorted(sorted, 0.99), OfSorted(sorted, 0.999));
    }
}
