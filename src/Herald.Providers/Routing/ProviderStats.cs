namespace Herald.Providers.Routing;

/// <summary>Recent calls of one provider (a ring of the last 512) for its error rate and latency percentiles, plus circuit transitions.</summary>
public sealed class ProviderStats(TimeProvider time)
{
    private const int Size = 512;
    private readonly object _gate = new();
    private readonly (DateTimeOffset At, double Ms, bool Failed)[] _ring = new (DateTimeOffset, double, bool)[Size];
    private readonly List<(DateTimeOffset At, string State)> _transitions = [];
    private int _count;
    private int _next;
    private long _total;
    private long _failures;

    public long Total => Interlocked.Read(ref _total);

    public long Failures => Interlocked.Read(ref _failures);

    public void Record(TimeSpan latency, bool failed)
    {
        lock (_gate)
        {
            _ring[_next] = (time.GetUtcNow(), latency.TotalMilliseconds, failed);
            _next = (_next + 1) % Size;
            _count = Math.Min(Size, _count + 1);
            _total++;
            if (failed)
            {
                _failures++;
            }
        }
    }

    public void Transition(string state)
    {
        lock (_gate)
        {
            _transitions.Add((time.GetUtcNow(), state));
            if (_transitions.Count > 50)
            {
                _transitions.RemoveAt(0);
            }
        }
    }

    /// <summary>Calls in the last <paramref name="window"/>: count, error rate, and p50/p95/p99 latency in ms.</summary>
    public StatsSnapshot Snapshot(TimeSpan window)
    {
        lock (_gate)
        {
            var since = time.GetUtcNow() - window;
            var recent = _ring.Take(_count).Where(x => x.At >= since).ToList();
            var latencies = recent.Select(x => x.Ms).Order().ToArray();
            double? P(double q) => latencies.Length == 0 ? null : Math.Round(latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(q * latencies.Length) - 1)], 1);
            return new StatsSnapshot(recent.Count, recent.Count == 0 ? 0 : Math.Round((double)recent.Count(x => x.Failed) / recent.Count, 4),
                P(0.50), P(0.95), P(0.99), _total, _failures, [.. _transitions]);
        }
    }
}

public sealed record StatsSnapshot(int RecentCalls, double ErrorRate, double? P50Ms, double? P95Ms, double? P99Ms, long TotalCalls, long TotalFailures,
    IReadOnlyList<(DateTimeOffset At, string State)> Transitions);
