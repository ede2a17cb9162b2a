using System.Net;
using System.Reflection;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Herald.Sandbox.Core;

/// <summary>
/// The sandbox process: every vendor's wire API on one HTTP/1.1 listener, plus an HTTP/2 cleartext (prior knowledge)
/// listener for APNs, plus the admin API under <c>/_sandbox</c>. Tests start it in-process on port 0.
/// </summary>
public sealed class SandboxHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ListenOptions _http1;
    private readonly ListenOptions _http2;

    private SandboxHost(WebApplication app, ListenOptions http1, ListenOptions http2, SandboxState state)
    {
        _app = app;
        _http1 = http1;
        _http2 = http2;
        State = state;
    }

    public SandboxState State { get; }

    /// <summary>The HTTP/1.1 base URL (every vendor but APNs), no trailing slash.</summary>
    public string BaseUrl => $"http://{_http1.IPEndPoint}";

    /// <summary>The HTTP/2 cleartext base URL (APNs), no trailing slash.</summary>
    public string Http2BaseUrl => $"http://{_http2.IPEndPoint}";

    public IReadOnlyList<ISandboxVendor> Vendors { get; private set; } = [];

    /// <summary>
    /// Starts the sandbox. <paramref name="settings"/> override configuration (for example ports "http://127.0.0.1:0").
    /// <paramref name="localConfiguration"/> loads herald-sandbox.json (fixed development keys and callback URLs matching
    /// Herald's appsettings.Sandbox.json); tests leave it off and get fresh keys and no callbacks unless they ask.
    /// </summary>
    public static async Task<SandboxHost> StartAsync(string[] args, IDictionary<string, string?>? settings = null, bool localConfiguration = false)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (localConfiguration)
        {
            builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
            {
                Path = "herald-sandbox.json", Optional = false, FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(AppContext.BaseDirectory),
            });
        }

        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        ListenOptions? http1 = null, http2 = null;
        var h1 = Endpoint(builder.Configuration["Sandbox:Urls"] ?? "http://127.0.0.1:5080");
        var h2 = Endpoint(builder.Configuration["Sandbox:Http2Urls"] ?? "http://127.0.0.1:5081");
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = 32 * 1024 * 1024;
            k.Listen(h1, o => { o.Protocols = HttpProtocols.Http1; http1 = o; });
            k.Listen(h2, o => { o.Protocols = HttpProtocols.Http2; http2 = o; });
        });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<FaultInjector>();
        builder.Services.AddHttpClient<CallbackClient>();
        builder.Services.AddSingleton<SandboxState>();
        var app = builder.Build();
        var state = app.Services.GetRequiredService<SandboxState>();
        var vendors = DiscoverVendors(state);
        foreach (var vendor in vendors)
        {
            vendor.Map(app);
        }

        AdminEndpoints.Map(app, state, vendors);
        await app.StartAsync();
        return new SandboxHost(app, http1!, http2!, state) { Vendors = vendors };
    }

    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static IPEndPoint Endpoint(string url)
    {
        var uri = new Uri(url.Split(';')[0]);
        return new IPEndPoint(IPAddress.Parse(uri.Host == "localhost" ? "127.0.0.1" : uri.Host), uri.Port);
    }

    private static List<ISandboxVendor> DiscoverVendors(SandboxState state) =>
    [
        .. typeof(SandboxHost).Assembly.GetTypes()
            .Where(t => typeof(ISandboxVendor).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => (ISandboxVendor)(t.GetConstructor(BindingFlags.Public | BindingFlags.Instance, [typeof(SandboxState)])
                ?? throw new InvalidOperationException($"{t.Name} needs a public constructor taking SandboxState")).Invoke([state])),
    ];
}
