using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Herald.Bench.Ceiling;

/// <summary>
/// The HTTP edges of Herald on an in-process loopback Kestrel: the send API (single and 100-recipient batch, one
/// source-generated JSON round each) and a provider call as a lane makes it (serialize a mail body, POST, read 202).
/// </summary>
internal static class KestrelSteps
{
    private const int ApiLoops = 64;
    private const int ProviderLoops = 32;

    public static async Task<IReadOnlyList<CeilingStep>> MeasureAsync(TimeSpan duration, Action<string> status, CancellationToken ct)
    {
        await using var app = BuildHost();
        await app.StartAsync(ct);
        try
        {
            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = ApiLoops };
            using var client = new HttpClient(handler) { BaseAddress = new Uri(app.Urls.First()) };
            var single = Request("u123", null);
            var batch = Request(null, [.. Enumerable.Range(0, 100).Select(i => $"u{i:D5}")]);
            var mailSize = MailBody().Length;
            Func<int, CancellationToken, Task<int>> Post(string path, Func<byte[]> body) => (_, token) => PostAsync(client, path, body(), token);
            var sendOne = Post("/v1/notifications", () => single);
            var sendBatch = Post("/v1/notifications", () => batch);
            var sendMail = Post("/v3/mail/send", MailBody);

            // Both ends of the loopback start on freshly jitted code; warm all three routes so the first step is not penalised.
            status("kestrel warm-up ...");
            await CeilingProbe.RateAsync(TimeSpan.FromSeconds(1), ApiLoops, (i, token) => (i % 3 == 0 ? sendOne : i % 3 == 1 ? sendBatch : sendMail)(i, token), ct);
            status("kestrel json post ...");
            var singleRate = await CeilingProbe.RateAsync(duration, ApiLoops, sendOne, ct);
            status("kestrel json post, 100 recipients ...");
            var batchRate = await CeilingProbe.RateAsync(duration, ApiLoops, sendBatch, ct);
            status("provider post ...");
            var providerRate = await CeilingProbe.RateAsync(duration, ProviderLoops, sendMail, ct);
            return
            [
                CeilingProbe.Step(CeilingProbe.KestrelPost, "requests", singleRate, $"{ApiLoops} loops, {single.Length} B body, 1 notification each"),
                CeilingProbe.Step(CeilingProbe.KestrelPost100, "requests", batchRate, $"{ApiLoops} loops, {batch.Length} B body, 100 notifications each"),
                CeilingProbe.Step(CeilingProbe.ProviderPost, "requests", providerRate, $"{ProviderLoops} loops (a provider lane), {mailSize} B body serialized per call"),
            ];
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }

    private static WebApplication BuildHost()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            // The context's metadata is rebuilt for these options, so they need its naming policy too.
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, CeilingJson.Default);
        });
        var app = builder.Build();
        app.MapPost("/v1/notifications", (NotificationRequest request) =>
            request.EventType is null || (request.RecipientId is null && request.RecipientIds is not { Count: > 0 })
                ? Results.BadRequest()
                : TypedResults.Accepted((string?)null, new NotificationAccepted(DeliveryRow.NewId("ntf"), "accepted")));
        app.MapPost("/v3/mail/send", async (HttpRequest request, HttpResponse response) =>
        {
            // The provider's own parsing is not Herald's cost; reading the body to the end is.
            await request.Body.CopyToAsync(Stream.Null);
            response.Headers["X-Message-Id"] = Guid.NewGuid().ToString("N");
            return TypedResults.Accepted((string?)null);
        });
        return app;
    }

    private static async Task<int> PostAsync(HttpClient client, string path, byte[] body, CancellationToken ct)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync(path, content, ct);
        return response.StatusCode == HttpStatusCode.Accepted
            ? 1
            : throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
    }

    private static byte[] Request(string? recipientId, IReadOnlyList<string>? recipientIds) => JsonSerializer.SerializeToUtf8Bytes(
        new NotificationRequest("bench.ping", recipientId, recipientIds, "bench", new Dictionary<string, string> { ["n"] = "1" }), CeilingJson.Default.NotificationRequest);

    /// <summary>A lane serializes each provider call's body from the delivery it sends.</summary>
    private static byte[] MailBody() => JsonSerializer.SerializeToUtf8Bytes(new MailSend(
        [new Personalization([new MailAddress("ada.lovelace@example.com", "Ada Lovelace")])],
        new MailAddress("notifications@herald.example", "Herald"),
        "Your order 48213 has shipped",
        [
            new MailContent("text/plain", "Hi Ada, your parcel left our warehouse today and should arrive within two working days."),
            new MailContent("text/html", "<p>Hi Ada, your parcel left our warehouse today and should arrive within two working days.</p>"),
        ],
        new Dictionary<string, string> { ["delivery_id"] = DeliveryRow.NewId("dlv"), ["notification_id"] = DeliveryRow.NewId("ntf") }),
        CeilingJson.Default.MailSend);
}
