using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Herald.Bench.Load;

/// <summary>What one open-loop run saw. Latency counts from the moment a request was due, not when it left, so a
/// stalled server cannot hide its stall by slowing the client down (no coordinated omission).</summary>
internal sealed class LoadResult
{
    private readonly ConcurrentBag<double> _acceptMs = [];
    private readonly ConcurrentBag<string> _bodies = [];
    private long _offered, _accepted, _throttled, _unavailable, _failed, _skipped, _withoutRetryAfter;

    public long Offered => Interlocked.Read(ref _offered);

    /// <summary>202 answers.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>429 answers.</summary>
    public long Throttled => Interlocked.Read(ref _throttled);

    /// <summary>503 answers.</summary>
    public long Unavailable => Interlocked.Read(ref _unavailable);

    /// <summary>Other answers, timeouts and connection errors.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Requests never sent because the client already had its maximum in flight.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>429/503 answers without a Retry-After header.</summary>
    public long WithoutRetryAfter => Interlocked.Read(ref _withoutRetryAfter);

    public TimeSpan Elapsed { get; set; }

    /// <summary>Latency of the 202 answers (ms from due to answered).</summary>
    public IReadOnlyCollection<double> AcceptLatencyMs => _acceptMs;

    /// <summary>Bodies of the 202 answers, when kept.</summary>
    public IReadOnlyCollection<string> AcceptedBodies => _bodies;

    public double AcceptedPerSecond => Accepted / Math.Max(Elapsed.TotalSeconds, 1e-9);

    internal void Offer() => Interlocked.Increment(ref _offered);

    internal void Skip() => Interlocked.Increment(ref _skipped);

    internal void Fail() => Interlocked.Increment(ref _failed);

    internal void Answer(HttpStatusCode status, bool retryAfter, double ms, string? body)
    {
        switch ((int)status)
        {
            case 202:
                Interlocked.Increment(ref _accepted);
                _acceptMs.Add(ms);
                if (body is not null)
                {
                    _bodies.Add(body);
                }

                return;
            case 429:
                Interlocked.Increment(ref _throttled);
                break;
            case 503:
                Interlocked.Increment(ref _unavailable);
                break;
            default:
                Interlocked.Increment(ref _failed);
                return;
        }

        if (!retryAfter)
        {
            Interlocked.Increment(ref _withoutRetryAfter);
        }
    }
}

/// <summary>
/// An open-loop load generator: requests are due at fixed intervals (rate per second) whether or not earlier ones have
/// been answered, as real traffic arrives. At most <c>maxInFlight</c> are outstanding; beyond that a due request is
/// counted as skipped (the client, not the server, is then the limit, and the report says so).
/// </summary>
internal static class OpenLoop
{
    public static async Task<LoadResult> RunAsync(Func<long, HttpClient> client, Func<long, HttpRequestMessage> request, double rate, TimeSpan duration,
        int maxInFlight, bool keepBodies, Action<LoadResult>? progress, CancellationToken ct)
    {
        var result = new LoadResult();
        var inFlight = 0;
        var clock = Stopwatch.StartNew();
        var total = (long)(rate * duration.TotalSeconds);
        var lastProgress = TimeSpan.Zero;
        for (long i = 0; i < total && !ct.IsCancellationRequested; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, ct);
            }

            result.Offer();
            if (Volatile.Read(ref inFlight) >= maxInFlight)
            {
                result.Skip();
                continue;
            }

            Interlocked.Increment(ref inFlight);
            _ = SendAsync(client(i), request(i), due);
            if (progress is not null && clock.Elapsed - lastProgress > TimeSpan.FromMilliseconds(250))
            {
                lastProgress = clock.Elapsed;
                progress(result);
            }
        }

        // The window the requests were sent in: the nominal one, or longer when the client fell behind its schedule (then
        // accepted/s must not be computed over a window shorter than the one it actually took).
        var window = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(total / rate).Ticks, clock.Elapsed.Ticks));
        while (Volatile.Read(ref inFlight) > 0)
        {
            await Task.Delay(10, CancellationToken.None);
        }

        result.Elapsed = window;
        return result;

        async Task SendAsync(HttpClient http, HttpRequestMessage message, TimeSpan due)
        {
            try
            {
                using (message)
                using (var response = await http.SendAsync(message, HttpCompletionOption.ResponseContentRead, ct))
                {
                    var body = keepBodies && response.StatusCode == HttpStatusCode.Accepted ? await response.Content.ReadAsStringAsync(ct) : null;
                    result.Answer(response.StatusCode, response.Headers.RetryAfter is not null, (clock.Elapsed - due).TotalMilliseconds, body);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
            {
                result.Fail();
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }
    }
}
