using System.Collections.Concurrent;

namespace Herald.Bench.Load;

/// <summary>What the receiver has seen so far; the difference of two is one step's.</summary>
/// <param name="Received">POSTs answered.</param>
/// <param name="BadSignatures">POSTs whose headers or signature did not verify against their endpoint's secret, or that named no endpoint.</param>
/// <param name="Duplicates">POSTs with a <c>webhook-id</c> seen before (a resend; Standard Webhooks receivers drop these).</param>
internal sealed record WebhookCounts(long Received, long BadSignatures, long Duplicates)
{
    public static WebhookCounts operator -(WebhookCounts a, WebhookCounts b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new(a.Received - b.Received, a.BadSignatures - b.BadSignatures, a.Duplicates - b.Duplicates);
    }
}

/// <summary>
/// The loopback endpoint of the webhook step, on Kestrel in the benchmark's own process (so its CPU is the load
/// generator's, not Herald's). Every endpoint Herald is given is a path of its own, <c>/h/{name}</c>, registered with
/// its secret, so each POST is verified with the secret of the endpoint it was sent to. It answers 204 whatever it
/// finds (a refusal would make Herald retry, and the step measures delivery, not retries) and counts what it found.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, byte[]> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _ids = new(StringComparer.Ordinal);
    private long _received, _bad, _duplicates;

    private WebhookReceiver(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public WebhookCounts Counts => new(Interlocked.Read(ref _received), Interlocked.Read(ref _bad), Interlocked.Read(ref _duplicates));

    public static async Task<WebhookReceiver> StartAsync(CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        WebhookReceiver? receiver = null;
        app.MapPost("/h/{name}", async (string name, HttpRequest request) =>
        {
            await receiver!.ReceiveAsync(name, request);
            return Results.NoContent();
        });
        await app.StartAsync(ct);
        receiver = new WebhookReceiver(app, new Uri(app.Urls.First().TrimEnd('/') + "/"));
        return receiver;
    }

    /// <summary>A new endpoint address for <paramref name="name"/>, whose POSTs are checked with <paramref name="secret"/>.</summary>
    public void Register(string name, string secret) => _keys[name] = StandardWebhooks.Key(secret);

    /// <summary>The address <see cref="Register"/> serves for <paramref name="name"/>.</summary>
    public Uri Address(string name) => new(BaseAddress, "h/" + Uri.EscapeDataString(name));

    private async Task ReceiveAsync(string name, HttpRequest request)
    {
        // The signature covers the body exactly as sent, so it is read as bytes and never parsed.
        using var body = new MemoryStream((int)(request.ContentLength ?? 512));
        await request.Body.CopyToAsync(body);
        var id = request.Headers["webhook-id"].ToString();
        var good = _keys.TryGetValue(name, out var key) && StandardWebhooks.Verify(key, id, request.Headers["webhook-timestamp"].ToString(),
            body.GetBuffer().AsSpan(0, (int)body.Length), request.Headers["webhook-signature"].ToString(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Interlocked.Increment(ref _received);
        if (!good)
        {
            Interlocked.Increment(ref _bad);
        }
        else if (!_ids.TryAdd(id, 0))
        {
            Interlocked.Increment(ref _duplicates);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
