namespace Herald.Core.Digests;

/// <summary>
/// The digest rules, kept in memory and read again every <see cref="MaxAge"/> (other processes' changes show up within it;
/// this process's own changes invalidate it at once). The gate reads the last snapshot synchronously.
/// </summary>
public sealed class DigestRules(IDigestStore store, TimeProvider time) : IDisposable
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);
    private volatile Snapshot? _snapshot;
    private readonly SemaphoreSlim _loading = new(1, 1);

    private sealed record Snapshot(IReadOnlyDictionary<string, DigestRule> Rules, DateTimeOffset LoadedAt);

    public async Task<DigestRule?> GetAsync(string eventType, CancellationToken ct)
    {
        var snapshot = _snapshot;
        if (snapshot is null || time.GetUtcNow() - snapshot.LoadedAt > MaxAge)
        {
            snapshot = await LoadAsync(ct);
        }

        return snapshot.Rules.GetValueOrDefault(eventType);
    }

    /// <summary>The rule in the last snapshot (null before the first load).</summary>
    public DigestRule? Cached(string eventType) => _snapshot?.Rules.GetValueOrDefault(eventType);

    public void Invalidate() => _snapshot = null;

    public void Dispose() => _loading.Dispose();

    private async Task<Snapshot> LoadAsync(CancellationToken ct)
    {
        await _loading.WaitAsync(ct);
        try
        {
            if (_snapshot is { } fresh && time.GetUtcNow() - fresh.LoadedAt <= MaxAge)
            {
                return fresh;
            }

            var rules = await store.ListRulesAsync(ct);
            var snapshot = new Snapshot(rules.ToDictionary(r => r.EventType, StringComparer.Ordinal), time.GetUtcNow());
            _snapshot = snapshot;
            return snapshot;
        }
        finally
        {
            _loading.Release();
        }
    }
}
