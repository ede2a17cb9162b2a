using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Core.Webhooks;

namespace Herald.Core.Lifecycle;

/// <summary>
/// Which lifecycle event types anyone listens to in an environment, so an event nobody subscribes to costs one dictionary
/// look-up. Each environment's list of enabled operational endpoints is kept for <see cref="Ttl"/> and dropped at once when
/// this process creates, deletes or enables an endpoint; other processes see such a change within the TTL.
/// </summary>
public sealed class OperationalSubscribers(IWebhookEndpointStore store, TimeProvider time)
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(5);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Snapshot> _snapshots = new(StringComparer.Ordinal);
    private long _generation;

    public async ValueTask<bool> AnyAsync(string environmentId, string eventType, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (!_snapshots.TryGetValue(environmentId, out var s) || now - s.LoadedAt >= Ttl)
        {
            // A load that raced an invalidation answers this call but is not kept.
            var generation = Interlocked.Read(ref _generation);
            s = new Snapshot(await store.GetOperationalEndpointsAsync(environmentId, ct), now);
            if (Interlocked.Read(ref _generation) == generation)
            {
                _snapshots[environmentId] = s;
            }
        }

        return s.Endpoints.Any(e => EndpointSubscription.Matches(e, eventType));
    }

    public void Invalidate()
    {
        Interlocked.Increment(ref _generation);
        _snapshots.Clear();
    }

    private sealed record Snapshot(IReadOnlyList<WebhookEndpoint> Endpoints, DateTimeOffset LoadedAt);
}
