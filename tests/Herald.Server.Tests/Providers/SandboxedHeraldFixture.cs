using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Sandbox.Core;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Providers;

/// <summary>
/// Herald on a fixed loopback port with real provider adapters pointed at a provider sandbox on loopback; the sandbox
/// calls Herald back at <c>Herald:PublicBaseUrl</c> exactly as the vendors would.
/// </summary>
public abstract class SandboxedHeraldFixture : HeraldServerFixture
{
    private readonly int _port = FreePort();
    private SandboxHost? _sandbox;

    public SandboxHost Sandbox => _sandbox ?? throw new InvalidOperationException("sandbox not started");

    public HttpClient SandboxAdmin { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public string PublicBaseUrl => $"http://127.0.0.1:{_port}";

    protected override int Port => _port;

    /// <summary>Provider and channel settings for this fixture; <paramref name="sandbox"/> gives the sandbox URLs.</summary>
    protected abstract Dictionary<string, string?> ProviderSettings(SandboxHost sandbox);

    protected override IReadOnlyDictionary<string, string?> ExtraSettings
    {
        get
        {
            var settings = ProviderSettings(Sandbox);
            settings["Herald:PublicBaseUrl"] = PublicBaseUrl;
            settings["Herald:Pipeline:ReconcileAfter"] = "00:00:01";
            settings["Herald:Pipeline:SweepInterval"] = "00:00:00.200";
            return settings;
        }
    }

    /// <summary>Load the sandbox's checked-in development configuration (herald-sandbox.json).</summary>
    protected virtual bool LocalSandboxConfiguration => false;

    /// <summary>Extra sandbox settings (for example callback URLs naming <paramref name="publicBaseUrl"/>).</summary>
    protected virtual Dictionary<string, string?> SandboxSettings(string publicBaseUrl) => [];

    protected override async Task BeforeStartAsync()
    {
        var settings = SandboxSettings(PublicBaseUrl);
        settings["Sandbox:Urls"] = "http://127.0.0.1:0";
        settings["Sandbox:Http2Urls"] = "http://127.0.0.1:0";
        settings["Logging:LogLevel:Default"] = "Warning";
        _sandbox = await SandboxHost.StartAsync([], settings, LocalSandboxConfiguration);
        await PrepareSandboxAsync(_sandbox);
    }

    /// <summary>Reads what the settings need from the sandbox (keys, service accounts) and points its callbacks at Herald.</summary>
    protected virtual Task PrepareSandboxAsync(SandboxHost sandbox) => Task.CompletedTask;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SandboxAdmin.Dispose();
        if (_sandbox is not null)
        {
            await _sandbox.DisposeAsync();
        }
    }

    public async Task SetFaultsAsync(string vendor, object plan) =>
        (await SandboxAdmin.PutAsJsonAsync($"{Sandbox.BaseUrl}/_sandbox/faults/{vendor}", plan)).EnsureSuccessStatusCode();

    public async Task ClearFaultsAsync() => (await SandboxAdmin.DeleteAsync($"{Sandbox.BaseUrl}/_sandbox/faults")).EnsureSuccessStatusCode();

    public async Task<JsonArray> SandboxMessagesAsync(string vendor, string? to = null)
    {
        var body = await SandboxAdmin.GetFromJsonAsync<JsonObject>($"{Sandbox.BaseUrl}/_sandbox/messages?vendor={vendor}" + (to is null ? "" : $"&to={Uri.EscapeDataString(to)}"));
        return body!["messages"]!.AsArray();
    }

    /// <summary>Waits until no notification is accepted, planning or processing any more.</summary>
    public async Task WaitForIdleAsync(TimeSpan timeout)
    {
        await Polling.WaitUntilAsync(async () =>
        {
            foreach (var status in new[] { "accepted", "planning", "processing" })
            {
                var page = await Client.GetJsonAsync($"/api/v1/notifications?status={status}&limit=1");
                if (page["notifications"]!.AsArray().Count > 0)
                {
                    return false;
                }
            }

            return true;
        }, timeout, "every notification settles");
    }

    public Task<JsonNode> ProvidersAsync() => Client.GetJsonAsync("/api/v1/providers");

    public static JsonObject Provider(JsonNode providers, string name) =>
        providers["providers"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == name)!.AsObject();
}
