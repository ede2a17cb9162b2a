using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Herald.Core.Domain;

namespace Herald.Providers.Http;

/// <summary>
/// The result of one HTTP call to a vendor. <see cref="RequestSent"/> tells whether the whole request body had left us
/// before the failure: a failure before that is safe to retry, one after it is an unknown outcome.
/// </summary>
public sealed record HttpCall(HttpStatusCode? Status, string Body, HttpResponseMessage? Response, bool RequestSent, string? Failure)
{
    public bool Answered => Status is not null;

    public int Code => (int)(Status ?? 0);

    public bool IsSuccess => Code is >= 200 and < 300;
}

/// <summary>HTTP plumbing shared by every adapter: tracked sends, timeouts, Retry-After and the default status mapping.</summary>
public static class ProviderHttp
{
    private const int MaxBody = 256 * 1024;

    /// <summary>
    /// Sends with a timeout and never throws for network faults (cancellation of <paramref name="ct"/> still throws).
    /// The response body is read (up to 256 KiB) before returning.
    /// </summary>
    public static async Task<HttpCall> SendAsync(HttpClient http, HttpRequestMessage request, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(request);
        TrackedContent? tracked = null;
        if (request.Content is { } content)
        {
            tracked = new TrackedContent(content);
            request.Content = tracked;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            var body = await ReadBodyAsync(response, cts.Token);
            return new HttpCall(response.StatusCode, body, response, true, null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            var sent = tracked?.Written ?? false;
            return new HttpCall(null, "", null, sent, $"timed out after {timeout.TotalMilliseconds:0} ms {(sent ? "after" : "before")} the request was sent");
        }
        catch (HttpRequestException ex)
        {
            var sent = (tracked?.Written ?? false) && !IsConnectFailure(ex);
            return new HttpCall(null, "", null, sent, $"{Describe(ex)} {(sent ? "after" : "before")} the request was sent");
        }
    }

    /// <summary>
    /// The outcome when no answer came: retry when the request never left, unknown when it may have reached the vendor.
    /// </summary>
    public static DeliveryOutcome Unanswered(HttpCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return call.RequestSent ? new DeliveryOutcome.Unknown(call.Failure ?? "no answer") : new DeliveryOutcome.Retry(call.Failure ?? "not sent");
    }

    /// <summary>
    /// The default mapping of an HTTP status: 429 throttled, 408 and 5xx retry (honouring Retry-After), 401/403 misconfigured, other 4xx
    /// rejected. Vendors refine it with their documented error codes.
    /// </summary>
    public static DeliveryOutcome ByStatus(HttpCall call, string detail, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(call);
        var code = call.Code;
        var reason = $"{code} {detail}".TrimEnd();
        return code switch
        {
            429 => new DeliveryOutcome.Retry(reason, RetryAfter(call.Response, time), Throttled: true),
            408 => new DeliveryOutcome.Retry(reason, RetryAfter(call.Response, time)),
            >= 500 => new DeliveryOutcome.Retry(reason, RetryAfter(call.Response, time)),
            401 or 403 => new DeliveryOutcome.Misconfigured(reason),
            _ => new DeliveryOutcome.Rejected(reason),
        };
    }

    /// <summary>Retry-After as seconds or an HTTP date; null when absent or in the past.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (response?.Headers.RetryAfter is not { } header)
        {
            return null;
        }

        if (header.Delta is { } delta)
        {
            return delta;
        }

        if (header.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : null;
        }

        return null;
    }

    /// <summary>A short description of a body for error messages (first 300 characters).</summary>
    public static string Snippet(string body) => body.Length <= 300 ? body : body[..300] + "…";

    private static async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[MaxBody];
        var total = 0;
        int read;
        while (total < MaxBody && (read = await stream.ReadAsync(buffer.AsMemory(total, MaxBody - total), ct)) > 0)
        {
            total += read;
        }

        return System.Text.Encoding.UTF8.GetString(buffer, 0, total);
    }

    private static bool IsConnectFailure(HttpRequestException ex) =>
        ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError
        && ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.NetworkUnreachable or SocketError.HostUnreachable };

    private static string Describe(HttpRequestException ex) =>
        ex.HttpRequestError == HttpRequestError.Unknown ? ex.Message : ex.HttpRequestError.ToString().ToLower(CultureInfo.InvariantCulture) switch
        {
            var s => $"{s}: {ex.Message}",
        };

    /// <summary>Wraps a request body and records when it has been fully written to the connection.</summary>
    private sealed class TrackedContent : HttpContent
    {
        private readonly HttpContent _inner;
        private volatile bool _written;

        public TrackedContent(HttpContent inner)
        {
            _inner = inner;
            foreach (var h in inner.Headers)
            {
                Headers.TryAddWithoutValidation(h.Key, h.Value);
            }
        }

        public bool Written => _written;

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            await SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await _inner.CopyToAsync(stream, context, cancellationToken);
            await stream.FlushAsync(cancellationToken);
            _written = true;
        }

        protected override bool TryComputeLength(out long length)
        {
            if (_inner.Headers.ContentLength is { } l)
            {
                length = l;
                return true;
            }

            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
