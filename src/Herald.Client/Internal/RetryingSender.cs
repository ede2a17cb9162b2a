using System.Net;

namespace Herald.Client.Internal;

/// <summary>
/// Sends one logical call, again after a 503 or 429 (waiting what Retry-After says, else a doubling backoff) and, when
/// the call may safely repeat, after a connection failure; bounded by a retry count and a total wait.
/// </summary>
internal sealed class RetryingSender(HttpClient http, HeraldClientOptions options, TimeProvider time)
{
    /// <param name="create">Builds the request afresh for each attempt (a request message can be sent once).</param>
    /// <param name="repeatable">The call is idempotent or carries an idempotency key, so a lost answer may be retried.</param>
    /// <param name="answer">A status that answers this call rather than signalling a busy server (503 from /readyz): never retried.</param>
    /// <param name="ct">Cancels the attempt in flight and any wait between attempts.</param>
    public async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, bool repeatable, HttpStatusCode? answer, CancellationToken ct)
    {
        var waited = TimeSpan.Zero;
        for (var attempt = 0; ; attempt++)
        {
            HttpResponseMessage response;
            using (var request = create())
            {
                try
                {
                    response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
                }
                catch (HttpRequestException ex) when (repeatable && ex.StatusCode is null && CanRetry(attempt, Backoff(attempt), waited))
                {
                    waited += Backoff(attempt);
                    await Task.Delay(Backoff(attempt), time, ct);
                    continue;
                }
            }

            if (response.StatusCode == answer || response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests))
            {
                return response;
            }

            var delay = RetryAfter(response) ?? Backoff(attempt);
            if (!CanRetry(attempt, delay, waited))
            {
                return response;
            }

            response.Dispose();
            waited += delay;
            await Task.Delay(delay, time, ct);
        }
    }

    private bool CanRetry(int attempt, TimeSpan delay, TimeSpan waited) =>
        attempt < options.MaxRetries && waited + delay <= options.MaxTotalRetryDelay;

    private TimeSpan Backoff(int attempt) => options.BaseRetryDelay * Math.Pow(2, Math.Min(attempt, 16));

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var delay = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);
        return delay is { } d && d < TimeSpan.Zero ? TimeSpan.Zero : delay;
    }
}
