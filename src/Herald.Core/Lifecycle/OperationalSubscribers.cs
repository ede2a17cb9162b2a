using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Core.Webhooks;

namespace Herald.Core.Lifecycle;

/// <summary>
/// Which lifecycle event types anyone listens to, so an event nobody subscribes to costs one dictionary look-up. The list of
/// enabled operational endpoints is kept for <see cref="Ttl"/> and dropped at once when this process creates, deletes or
/// enables an endpoint; other processes see such a change within the TTL.
/// </summary>
public sealed class OperationalSubscribers(IWebhookEndpointStore store, TimeProvider time)
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(5);

    private volatile Snapshot? _snapshot;
    private long _generation;

    public async ValueTask<bool> AnyAsync(string eventType, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var s = _snapshot;
        if (s is null || now - s.LoadedAt >= Ttl)
        {
            // A load that raced an invalidation answers this call but is not kept.
            var generation = Interlocked.Read(ref _generation);
            s = new Snapshot(await store.GetOperationalEndpointsAsync(ct), now);
            if (Interlocked.Read(ref _generation) == generation)
            {
                _snapshot = s;
            }
        }

        return s.Endpoints.Any(e => EndpointSubscription.Matches(e, eventType));
    }

    public void Invalidate()
    {
        Interlocked.Increment(ref _generation);
        _snapshot = null;
    }

    private sealed record Snapshot(IReadOnlyList<WebhookEndpoint> Endpoints, DateTimeOffset LoadedAt);
}
