using Herald.Core.Tracking;
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

    private static async Task<IResult> OpenAsync(string token, HttpContext http, TrackingTokens tokens, TrackingLimits limits, Tracker tracker, CancellationToken ct)
    {
        if (tokens.TryOpen(token, TrackingLink.Open, out var deliveryId, out _) && limits.TryRecord($"o|{deliveryId}", http.Connection.RemoteIpAddress))
        {
            await tracker.RecordOpenAsync(deliveryId, ct);
        }

        // A forged pixel still gets an image: mail clients show broken images, and nothing is recorded.
        return Results.File(Pixel, "image/gif");
    }

    private static async Task<IResult> ClickAsync(string token, HttpContext http, TrackingTokens tokens, TrackingLimits limits, Tracker tracker, CancellationToken ct)
    {
        if (!tokens.TryOpen(token, TrackingLink.Click, out var deliveryId, out var url) || url is null
            || !Uri.TryCreate(url, UriKind.Absolute, out var target) || (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps))
        {
            return Problems.Plain(404, "unknown-link", "This link is not valid.", "the tracking token does not verify");
        }

        if (limits.TryRecord($"c|{deliveryId}|{url}", http.Connection.RemoteIpAddress))
        {
            await tracker.RecordClickAsync(deliveryId, target, ct);
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

    /// <summary>Posted again (a retrying mail provider, a replayed link) it answers the same and writes nothing more.</summary>
    private static async Task<IResult> UnsubscribeAsync(string token, TrackingTokens tokens, Tracker tracker, CancellationToken ct)
    {
        if (!tokens.TryOpen(token, TrackingLink.Unsubscribe, out var deliveryId, out _) || !await tracker.UnsubscribeAsync(deliveryId, ct))
        {
            return Problems.Plain(404, "unknown-link", "This link is not valid.", "the unsubscribe token does not verify");
        }

        return Results.Content(Unsubscribed, "text/html; charset=utf-8");
    }
}
