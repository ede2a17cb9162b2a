using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Sandbox.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Providers.Tests.Infrastructure;

/// <summary>One sandbox process-in-process per test class (ports chosen by the OS on loopback).</summary>
public sealed class SandboxFixture : IAsyncLifetime
{
    private SandboxHost? _host;

    public SandboxHost Host => _host ?? throw new InvalidOperationException("not started");

    public string BaseUrl => Host.BaseUrl;

    public string Http2BaseUrl => Host.Http2BaseUrl;

    public HttpClient Admin { get; } = new();

    /// <summary>Extra sandbox settings (vendor credentials, callback URLs) a derived fixture may add.</summary>
    public Dictionary<string, string?> Settings { get; } = new()
    {
        ["Sandbox:Urls"] = "http://127.0.0.1:0",
        ["Sandbox:Http2Urls"] = "http://127.0.0.1:0",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    public async Task InitializeAsync() => _host = await SandboxHost.StartAsync([], Settings);

    public async Task DisposeAsync()
    {
        Admin.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    public async Task SetFaultsAsync(string vendor, object plan) =>
        (await Admin.PutAsJsonAsync($"{BaseUrl}/_sandbox/faults/{vendor}", plan)).EnsureSuccessStatusCode();

    public async Task ClearFaultsAsync() => (await Admin.DeleteAsync($"{BaseUrl}/_sandbox/faults")).EnsureSuccessStatusCode();

    public async Task<JsonArray> MessagesAsync(string vendor, string? reference = null)
    {
        var url = $"{BaseUrl}/_sandbox/messages?vendor={vendor}" + (reference is null ? "" : $"&reference={Uri.EscapeDataString(reference)}");
        var body = await Admin.GetFromJsonAsync<JsonObject>(url);
        return body!["messages"]!.AsArray();
    }
}

/// <summary>Builds adapter contexts for tests the way the host does, with settings given inline.</summary>
public static class TestContexts
{
    public static ProviderContext Create(string name, string type, Channel channel, IDictionary<string, string?> settings, HttpClient? http = null,
        string publicBaseUrl = "http://127.0.0.1:1", IEmailTracking? tracking = null, TimeProvider? time = null)
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.ToDictionary(kv => $"Herald:Providers:{name}:{kv.Key}", kv => kv.Value))
            .Build();
        return new ProviderContext
        {
            Name = name,
            Type = type,
            Channel = channel,
            Settings = config.GetSection($"Herald:Providers:{name}"),
            Http = http ?? new HttpClient(),
            Time = time ?? TimeProvider.System,
            Logger = NullLogger.Instance,
            PublicBaseUrl = publicBaseUrl,
            Tracking = tracking ?? new NoTracking(),
        };
    }

    /// <summary>A delivery as the planner makes it, with rendered content.</summary>
    public static Delivery Delivery(Channel channel, string target, JsonObject content, Priority priority = Priority.Normal, string? platform = null, string? id = null)
    {
        var now = DateTimeOffset.UtcNow;
        return new Delivery(id ?? "dlv_" + Guid.NewGuid().ToString("N"), "ntf_" + Guid.NewGuid().ToString("N"), "user-1", "order.shipped", channel, priority,
            target, channel == Channel.Push ? "dev_1" : null, null, DeliveryStatus.Sending, 1, null, content.ToJsonString(), "hash", now, null, null, now, now, platform);
    }

    private sealed class NoTracking : IEmailTracking
    {
        public string Track(Delivery delivery, string html) => html;

        public string? UnsubscribeUrl(Delivery delivery) => delivery.Priority == Priority.Urgent ? null : $"http://127.0.0.1:1/u/{delivery.Id}";
    }
}
