using System.Text.RegularExpressions;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;

namespace Herald.Providers.Tracking;

/// <summary>Settings under <c>Herald:Tracking</c>.</summary>
public sealed class TrackingOptions
{
    public const string SectionName = "Herald:Tracking";

    /// <summary>Append a 1×1 open pixel to HTML email. Default true.</summary>
    public bool Opens { get; set; } = true;

    /// <summary>Rewrite http(s) links in HTML email to signed click links. Default true.</summary>
    public bool Clicks { get; set; } = true;

    /// <summary>Hits on one open pixel or click link recorded per minute; more are answered but not recorded. Default 10.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, int.MaxValue)]
    public int RecordsPerLinkPerMinute { get; set; } = 10;

    /// <summary>
    /// Open and click hits recorded per minute from one client address; more are answered but not recorded. Default 600
    /// (mail providers' image proxies fetch for many recipients from few addresses).
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, int.MaxValue)]
    public int RecordsPerAddressPerMinute { get; set; } = 600;
}

/// <summary>
/// Open and click tracking and one-click unsubscribe links, all under Herald's public URL with signed tokens:
/// <c>/t/o/{token}</c> (pixel), <c>/t/c/{token}</c> (redirect to the signed link), <c>/t/u/{token}</c> (unsubscribe).
/// </summary>
public sealed partial class EmailTracking(TrackingTokens tokens, string publicBaseUrl, TrackingOptions options) : IEmailTracking
{
    public string Track(Delivery delivery, string html)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(html);
        var result = html;
        if (options.Clicks)
        {
            result = Href().Replace(result, m =>
            {
                var url = System.Net.WebUtility.HtmlDecode(m.Groups["url"].Value);
                var link = $"{publicBaseUrl}/t/c/{tokens.Create(TrackingLink.Click, delivery.Id, url)}";
                return $"{m.Groups["pre"].Value}{m.Groups["q"].Value}{link}{m.Groups["q"].Value}";
            });
        }

        if (options.Opens)
        {
            var pixel = $"<img src=\"{publicBaseUrl}/t/o/{tokens.Create(TrackingLink.Open, delivery.Id)}\" width=\"1\" height=\"1\" alt=\"\" style=\"display:none\">";
            var body = result.LastIndexOf("</body>", StringComparison.OrdinalIgnoreCase);
            result = body >= 0 ? result.Insert(body, pixel) : result + pixel;
        }

        return result;
    }

    public string? UnsubscribeUrl(Delivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return delivery.Priority == Priority.Urgent ? null : $"{publicBaseUrl}/t/u/{tokens.Create(TrackingLink.Unsubscribe, delivery.Id)}";
    }

    [GeneratedRegex("""(?<pre>\bhref\s*=\s*)(?<q>["'])(?<url>https?://[^"'\s>]+)\k<q>""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Href();
}
