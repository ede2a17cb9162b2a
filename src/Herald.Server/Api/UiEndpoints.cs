using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace Herald.Server.Api;

/// <summary>
/// The dashboard (<c>/dashboard</c>) and the end-user web components (<c>/inbox/herald-inbox.js</c>, demo at <c>/inbox/demo</c>;
/// <c>/inbox/herald-preferences.js</c>, demo at <c>/inbox/preferences-demo</c>):
/// plain files under <c>Ui/</c>, embedded in the assembly, so they work after <c>dotnet run</c> with no front-end build.
/// Served with an ETag and a strict content security policy (scripts and connections from this origin only).
/// The demo page is a development aid: it is mapped only in Development unless <c>Herald:Ui:InboxDemo</c> says otherwise.
/// </summary>
internal static class UiEndpoints
{
    /// <summary>Serves /inbox/demo and /inbox/preferences-demo: true or false; unset means only when the environment is Development.</summary>
    public const string InboxDemoSetting = "Herald:Ui:InboxDemo";

    private const string Csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private static readonly FrozenDictionary<string, Asset> Assets = Load();

    public static void MapDashboard(this IEndpointRouteBuilder app)
    {
        // One route for "/dashboard" and "/dashboard/" (routing does not tell them apart): the page's relative paths need the slash.
        app.MapGet("/dashboard", (HttpContext http) => http.Request.Path.Value!.EndsWith('/') ? Serve(http, "dashboard/index.html") : TypedResults.Redirect("/dashboard/"))
            .ExcludeFromDescription();
        // The dashboard's ES modules sit in folders (pages/…), so the file name may span segments; only embedded names match.
        app.MapGet("/dashboard/{**file}", (string file, HttpContext http) => Serve(http, "dashboard/" + file)).ExcludeFromDescription();
        app.MapGet("/inbox/herald-inbox.js", (HttpContext http) =>
        {
            // Loaded by a script tag on any origin.
            http.Response.Headers.AccessControlAllowOrigin = "*";
            return Serve(http, "inbox/herald-inbox.js");
        }).ExcludeFromDescription();
        app.MapGet("/inbox/herald-preferences.js", (HttpContext http) =>
        {
            http.Response.Headers.AccessControlAllowOrigin = "*";
            return Serve(http, "inbox/herald-preferences.js");
        }).ExcludeFromDescription();
        var services = app.ServiceProvider;
        if (services.GetRequiredService<IConfiguration>().GetValue<bool?>(InboxDemoSetting) ?? services.GetRequiredService<IHostEnvironment>().IsDevelopment())
        {
            app.MapGet("/inbox/demo", (HttpContext http) => Serve(http, "inbox/demo.html")).ExcludeFromDescription();
            app.MapGet("/inbox/demo.js", (HttpContext http) => Serve(http, "inbox/demo.js")).ExcludeFromDescription();
            app.MapGet("/inbox/preferences-demo", (HttpContext http) => Serve(http, "inbox/preferences-demo.html")).ExcludeFromDescription();
            app.MapGet("/inbox/preferences-demo.js", (HttpContext http) => Serve(http, "inbox/preferences-demo.js")).ExcludeFromDescription();
        }
    }

    private static IResult Serve(HttpContext http, string path)
    {
        if (!Assets.TryGetValue(path, out var asset))
        {
            return Problems.Plain(404, "not-found", "Not found.", $"no such file '{path}'");
        }

        var headers = http.Response.Headers;
        AddTransportSecurity(http);
        headers.ETag = asset.ETag;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        if (asset.ContentType.StartsWith("text/html", StringComparison.Ordinal))
        {
            headers.ContentSecurityPolicy = Csp;
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
        }

        if (http.Request.Headers.IfNoneMatch.Contains(asset.ETag))
        {
            return TypedResults.StatusCode(304);
        }

        return TypedResults.Bytes(asset.Bytes, asset.ContentType);
    }

    /// <summary>
    /// Over HTTPS, tells the browser to use HTTPS only for a year, so the API key typed into the dashboard never travels in
    /// clear text after a downgrade. Over HTTP the header means nothing (browsers ignore it) and is left out; behind a proxy
    /// that terminates TLS, the proxy sends it (docs/deploy.md).
    /// </summary>
    internal static void AddTransportSecurity(HttpContext http)
    {
        if (http.Request.IsHttps)
        {
            http.Response.Headers.StrictTransportSecurity = "max-age=31536000";
        }
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(UiEndpoints).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("ui/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            var etag = new EntityTagHeaderValue("\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + "\"").ToString();
            assets[name["ui/".Length..].Replace('\\', '/')] = new Asset(bytes, ContentType(name), etag);
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
