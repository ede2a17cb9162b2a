using Herald.Core.Storage;

namespace Herald.Providers.Routing;

/// <summary>
/// A provider's token bucket kept in the shared store (PostgreSQL), so the rate holds across every Herald process
/// instead of multiplying by the number of processes. Two round trips per token (refill, then take).
/// </summary>
public sealed class SharedTokenBucket(string name, double perSecond, double capacity, IProviderBucketStore store, TimeProvider time) : IRateBucket
{
    public double PerSecond => perSecond;

    public async Task<(bool Taken, TimeSpan Wait)> TakeAsync(TimeSpan maxWait, CancellationToken ct)
    {
        var deadline = time.GetUtcNow() + maxWait;
        while (true)
        {
            if (await store.TryTakeAsync(name, perSecond, capacity, time.GetUtcNow(), ct) is not { } wait)
            {
                return (true, TimeSpan.Zero);
            }

            if (time.GetUtcNow() + wait > deadline)
            {
                return (false, wait);
            }

            await Task.Delay(wait, time, ct);
        }
    }
}
