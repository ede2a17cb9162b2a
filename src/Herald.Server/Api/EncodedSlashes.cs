using Microsoft.AspNetCore.Http.Features;

namespace Herald.Server.Api;

/// <summary>
/// Gives route values their real text when a path segment holds an encoded slash, so <c>DELETE /api/v1/users/a%2Fb</c>
/// erases user <c>a/b</c>.
/// </summary>
/// <remarks>
/// Kestrel decodes every escape in the path but <c>%2F</c> (decoding it would change the segments), so the route value
/// arrives as <c>a%2Fb</c>, which is also what <c>a%252Fb</c> arrives as: the decoded path cannot tell the two apart. The raw
/// request target can: each of its segments is unescaped once, here, for a route value that is a whole segment.
/// </remarks>
internal static class EncodedSlashes
{
    public static IApplicationBuilder UseEncodedSlashRouteValues(this IApplicationBuilder app) =>
        app.Use((http, next) =>
        {
            var values = http.Request.RouteValues;
            if (values.Count > 0 && http.Features.Get<IHttpRequestFeature>()?.RawTarget is { } rawTarget)
            {
                string[]? raw = null;
                string[]? decoded = null;
                foreach (var (name, value) in values.ToList())
                {
                    if (value is string text && text.Contains("%2F", StringComparison.OrdinalIgnoreCase))
                    {
                        raw ??= rawTarget.Split('?', 2)[0].Split('/');
                        decoded ??= (http.Request.PathBase.Value + http.Request.Path.Value).Split('/');
                        var index = Array.IndexOf(decoded, text);
                        if (raw.Length == decoded.Length && index >= 0)
                        {
                            values[name] = Uri.UnescapeDataString(raw[index]);
                        }
                    }
                }
            }

            return next(http);
        });
}
