using Herald.Core.Domain;
using Herald.Core.Preferences;
using Herald.Core.Storage;
using Herald.Providers.Tracking;

namespace Herald.Server.Api;

/// <summary>
/// Email tracking links, reached by recipients' mail clients (no API key; the signed token is the credential):
/// the open pixel, click redirects (only to the link that was signed) and one-click unsubscribe (RFC 8058).
/// </summary>
internal static class TrackingEndpoints
{
    private const string Unsubscribed = "<!doctype html><p>You are unsubscribed.</p>";

    // The smallest transparent GIF.
    private static readonly byte[] Pixel = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

    public static void MapTracking(this IEndpointRouteBuilder app)
    {
        var t = app.MapGroup("/t").WithTags("Tracking").ExcludeFromDescription();
        t.MapGet("/o/{token}", OpenAsync);
        t.MapGet("/c/{token}", ClickAsync);
        t.MapGet("/u/{token}", UnsubscribePage);
        t.MapPost("/u/{token}", UnsubscribeAsync);
    }

    private static async Task<IResult> OpenAsync(string token, HttpContext http, TrackingTokens tokens, TrackingLimits limits, ITrackingStore store, TimeProvider time,
        CancellationToken ct)
    {
        if (tokens.TryOpen(token, TrackingLink.Open, out var deliveryId, out _) && limits.TryRecord($"o|{deliveryId}", http.Connection.RemoteIpAddress))
        {
            await RecordAsync(store, deliveryId, DeliveryStatus.Opened, "opened (tracking pixel)", time, ct);
        }

        // A forged pixel still gets an image: mail clients show broken images, and nothing is recorded.
        return Results.File(Pixel, "image/gif");
    }

    private static async Task<IResult> ClickAsync(string token, HttpContext http, TrackingTokens tokens, TrackingLimits limits, ITrackingStore store, TimeProvider time,
        CancellationToken ct)
    {
        if (!tokens.TryOpen(token, TrackingLink.Click, out var deliveryId, out var url) || url is null
            || !Uri.TryCreate(url, UriKind.Absolute, out var target) || (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps))
        {
            return Problems.Plain(404, "unknown-link", "This link is not valid.", "the tracking token does not verify");
        }

        if (limits.TryRecord($"c|{deliveryId}|{url}", http.Connection.RemoteIpAddress))
        {
            await RecordAsync(store, deliveryId, DeliveryStatus.Clicked, $"clicked {target.GetLeftPart(UriPartial.Path)}", time, ct);
        }

        return Results.Redirect(target.AbsoluteUri);
    }

    private static IResult UnsubscribePage(string token, TrackingTokens tokens)
    {
        if (!tokens.TryOpen(token, TrackingLink.Unsubscribe, out _, out _))
        {
            return Problems.Plain(404, "unknown-link", "This link is not valid.", "the unsubscribe token does not verify");
        }

        // GET never changes anything (link scanners follow links); the button posts the one-click form.
        var html = $"""
            <!doctype html><html><head><meta charset="utf-8"><title>Unsubscribe</title></head>
            <body><form method="post" action="/t/u/{System.Net.WebUtility.HtmlEncode(token)}">
            <input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe from these emails</button>
            </form></body></html>
            """;
        return Results.Content(html, "text/html; charset=utf-8");
    }

    private static async Task<IResult> UnsubscribeAsync(string token, TrackingTokens tokens, ITrackingStore tracking, IUserStore users, TimeProvider time, CancellationToken ct)
    {
        if (!tokens.TryOpen(token, TrackingLink.Unsubscribe, out var deliveryId, out _)
            || await tracking.FindTrackedDeliveryAsync(deliveryId, null, ct) is not { } d)
        {
            return Problems.Plain(404, "unknown-link", "This link is not valid.", "the unsubscribe token does not verify");
        }

        // Unsubscribing opts the recipient out of this kind of email (event type × email), not out of everything.
        var now = time.GetUtcNow();
        var current = await users.GetPreferencesAsync(d.RecipientId, ct);
        // Posted again (a retrying mail provider, a replayed link): already applied, so a read, not another write and trace row.
        if (current?.Rules.Any(r => r.EventType == d.EventType && r.Channel == "email" && !r.Enabled) == true)
        {
            return Results.Content(Unsubscribed, "text/html; charset=utf-8");
        }

        var rules = (current?.Rules ?? []).Where(r => !(r.EventType == d.EventType && r.Channel == "email")).ToList();
        rules.Add(new PreferenceRule(d.EventType, "email", false));
        await users.SavePreferencesAsync(new UserPreferences(d.RecipientId, rules), now, ct);
        await tracking.ApplyTrackingAsync([new TrackingUpdate(null, null, null, now,
            new TraceEntry(d.NotificationId, now, "track", "email", "unsubscribed", $"one-click unsubscribe: {d.EventType} email disabled for {d.RecipientId}"))], now, ct);
        return Results.Content(Unsubscribed, "text/html; charset=utf-8");
    }

    /// <summary>Records an open or click; one the delivery already has (or has passed) is only a read: no transaction, no trace row.</summary>
    private static async Task RecordAsync(ITrackingStore store, string deliveryId, string status, string detail, TimeProvider time, CancellationToken ct)
    {
        if (await store.FindTrackedDeliveryAsync(deliveryId, null, ct) is not { } d || !MovesForward(d, status))
        {
            return;
        }

        var now = time.GetUtcNow();
        await store.ApplyTrackingAsync([new TrackingUpdate(d.Id, d.NotificationId, status, now, new TraceEntry(d.NotificationId, now, "track", "email", status, detail))], now, ct);
    }

    /// <summary>
    /// The store's forward-only rule (sent &lt; delivered &lt; opened &lt; clicked; bounced and failed end it), read from the
    /// delivery: a status it already has or has passed changes nothing, so nothing is written. A concurrent first hit may
    /// still write twice; the store keeps the status right either way.
    /// </summary>
    private static bool MovesForward(Delivery d, string status)
    {
        static int Rank(string s) => s switch { DeliveryStatus.Sent => 1, DeliveryStatus.Delivered => 2, DeliveryStatus.Opened => 3, DeliveryStatus.Clicked => 4, _ => 5 };
        var current = d.TrackedStatus ?? (d.Status is DeliveryStatus.Delivered or DeliveryStatus.Opened or DeliveryStatus.Clicked or DeliveryStatus.Bounced ? d.Status : DeliveryStatus.Sent);
        return Rank(current) < Rank(status);
    }
}
