using System.Diagnostics;
using Herald.Bench.Infrastructure;

namespace Herald.Bench.Scenarios;

/// <summary>Sends a large campaign as fast as the API takes it: batches of 100, a few requests in flight (closed loop).</summary>
internal static class Campaign
{
    /// <summary>Sends <paramref name="recipients"/> notifications; returns the time it took. Retries 429/503 after Retry-After.</summary>
    public static async Task<TimeSpan> SendAsync(Deployment herald, string eventType, int recipients, string priority, DateTimeOffset? scheduledAt,
        Action<string> status, CancellationToken ct)
    {
        var batches = recipients / Requests.BatchSize;
        var next = -1;
        var done = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, 8).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < batches)
            {
                while (true)
                {
                    using var request = Requests.Batch(eventType, "c", (long)i * Requests.BatchSize, i, priority, scheduledAt);
                    using var response = await herald.Client.SendAsync(request, ct);
                    if ((int)response.StatusCode is 429 or 503)
                    {
                        await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), ct);
                        continue;
                    }

                    await Deployment.EnsureAsync(response, ct);
                    break;
                }

                var sent = Interlocked.Increment(ref done);
                if (sent % 200 == 0)
                {
                    status($"campaign {eventType}: {sent * Requests.BatchSize:#,0} of {recipients:#,0} accepted ({sent * Requests.BatchSize / clock.Elapsed.TotalSeconds:#,0}/s)");
                }
            }
        });
        await Task.WhenAll(workers);
        return clock.Elapsed;
    }
}

/// <summary>Samples the servers' resident memory in the background and keeps the highest sum seen.</summary>
internal sealed class MemorySampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _peak;

    public MemorySampler(Deployment herald)
    {
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var (current, _) = herald.Memory();
                if (current > Interlocked.Read(ref _peak))
                {
                    Interlocked.Exchange(ref _peak, current);
                }

                try
                {
                    await Task.Delay(200, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }

    public long Peak => Interlocked.Read(ref _peak);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
