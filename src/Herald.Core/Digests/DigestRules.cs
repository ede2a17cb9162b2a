namespace Herald.Core.Digests;

/// <summary>
/// The digest rules, kept in memory per environment and read again every <see cref="MaxAge"/> (other processes' changes
/// show up within it; this process's own changes invalidate it at once). The gate reads the last snapshot synchronously.
/// </summary>
public sealed class DigestRules(IDigestStore store, TimeProvider time) : IDisposable
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);
    private volatile Dictionary<string, Snapshot> _snapshots = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _loading = new(1, 1);

    private sealed record Snapshot(IReadOnlyDictionary<string, DigestRule> Rules, DateTimeOffset LoadedAt);

    public async Task<DigestRule?> GetAsync(string environmentId, string eventType, CancellationToken ct)
    {
        var snapshot = _snapshots.GetValueOrDefault(environmentId);
        if (snapshot is null || time.GetUtcNow() - snapshot.LoadedAt > MaxAge)
        {
            snapshot = await LoadAsync(environmentId, ct);
        }

        return snapshot.Rules.GetValueOrDefault(eventType);
    }

    /// <summary>The environment's rule in the last snapshot (null before its first load).</summary>
    public DigestRule? Cached(string environmentId, string eventType) => _snapshots.GetValueOrDefault(environmentId)?.Rules.GetValueOrDefault(eventType);

    public void Invalidate() => _snapshots = new(StringComparer.Ordinal);

    public void Dispose() => _loading.Dispose();

    private async Task<Snapshot> LoadAsync(string environmentId, CancellationToken ct)
    {
        await _loading.WaitAsync(ct);
        try
        {
            var snapshots = _snapshots;
            if (snapshots.GetValueOrDefault(environmentId) is { } fresh && time.GetUtcNow() - fresh.LoadedAt <= MaxAge)
            {
                return fresh;
            }

            var rules = await store.ListRulesAsync(environmentId, ct);
            var snapshot = new Snapshot(rules.ToDictionary(r => r.EventType, StringComparer.Ordinal), time.GetUtcNow());
            // Copied on write, so the gate's synchronous reads never see a dictionary being changed.
            _snapshots = new Dictionary<string, Snapshot>(snapshots, StringComparer.Ordinal) { [environmentId] = snapshot };
            return snapshot;
        }
        finally
        {
            _loading.Release();
        }
    }
}
