using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>
/// The real Herald server on Kestrel over loopback HTTP, with its own temp SQLite file. One instance per test class
/// (class fixture), so classes run in parallel against separate databases; tests inside a class use unique ids.
/// </summary>
public class HeraldServerFixture : IAsyncLifetime
{
    /// <summary>The bootstrap admin key. The variable is process-wide, so every fixture uses this one value.</summary>
    public const string AdminKey = "test-admin-key-0123456789abcdef0123";

    public const string SubscriberSecret = "test-subscriber-secret-0123456789";

    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly string databaseDirectory = Path.Combine(Path.GetTempPath(), "herald-api-tests", Guid.NewGuid().ToString("N"));
    private HeraldFactory? factory;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The server's SQLite file (tests that seed data in bulk write to it directly).</summary>
    public string DatabasePath => Path.Combine(databaseDirectory, "herald.db");

    /// <summary>The running server's services (tests that check what was registered, or read a store-level counter).</summary>
    public IServiceProvider Services => factory!.Services;

    /// <summary>A client sending the admin key.</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>Settings added to (or overriding) the defaults for this fixture.</summary>
    protected virtual IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>();

    /// <summary>The loopback port (0: any). Fixtures whose settings must name Herald's own URL pick one first.</summary>
    protected virtual int Port => 0;

    /// <summary>Runs before Herald starts (for example a provider sandbox whose URLs go into the settings).</summary>
    protected virtual Task BeforeStartAsync() => Task.CompletedTask;

    /// <summary>A loopback port free right now.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public virtual async Task InitializeAsync()
    {
        await BeforeStartAsync();
        Environment.SetEnvironmentVariable("HERALD_BOOTSTRAP_API_KEY", AdminKey);
        Directory.CreateDirectory(databaseDirectory);
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Herald:Storage:Sqlite:Path"] = DatabasePath,
            ["Herald:Storage:Sqlite:Synchronous"] = "NORMAL",
            ["Herald:Webhooks:AllowPrivateNetworks"] = "true",
            ["Herald:Pipeline:PollInterval"] = "00:00:00.050",
            ["Herald:Security:SubscriberSecret"] = SubscriberSecret,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in ExtraSettings)
        {
            settings[key] = value;
        }

        factory = new HeraldFactory(settings);
        factory.UseKestrel(Port);
        await Task.Run(factory.StartServer).WaitAsync(StartTimeout);
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
        Client = CreateClient(AdminKey);
    }

    public virtual async Task DisposeAsync()
    {
        Client?.Dispose();
        if (factory is not null)
        {
            try
            {
                await factory.DisposeAsync().AsTask().WaitAsync(StartTimeout);
            }
            catch (Exception ex) when (Environment.GetEnvironmentVariable("HERALD_TEST_REPORTS") is { Length: > 0 } reports)
            {
                // The runner's minimal output names only the exception type of a class cleanup failure; scripts/test
                // prints the reports, so the whole exception reaches the CI log.
                Directory.CreateDirectory(reports);
                await File.AppendAllTextAsync(Path.Combine(reports, "cleanup-failures.txt"), $"{GetType().Name} stop: {ex}{Environment.NewLine}");
                throw;
            }
        }

        try
        {
            Directory.Delete(databaseDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a closing connection is left for the OS temp cleanup.
        }
    }

    /// <summary>A client on the real HTTP address, sending <paramref name="apiKey"/> as a bearer key when given.</summary>
    public HttpClient CreateClient(string? apiKey = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    /// <summary>Stores an API key with <paramref name="scopes"/> through the server's own key service (what the keys endpoint does).</summary>
    public Task CreateApiKeyAsync(string key, params string[] scopes) =>
        factory!.Services.GetRequiredService<Herald.Server.Api.ApiKeys>().CreateAsync(key, scopes, CancellationToken.None);

    /// <summary>Writes a key row as an earlier release stored it (scope names as given, no name, prefix or expiry), straight into the store.</summary>
    public Task StoreLegacyApiKeyAsync(string key, params string[] scopes) =>
        factory!.Services.GetRequiredService<Herald.Core.Storage.IApiKeyStore>().InsertApiKeyAsync(
            new Herald.Core.Domain.ApiKey("key_" + Guid.NewGuid().ToString("N"), Herald.Server.Api.ApiKeys.Hash(key), scopes, DateTimeOffset.UtcNow), CancellationToken.None);

    /// <summary>The subscriber token a client app would be handed for <paramref name="userId"/>: hex HMAC-SHA256 under the server secret.</summary>
    public static string SubscriberToken(string userId) =>
        Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(SubscriberSecret), Encoding.UTF8.GetBytes(userId))).ToLowerInvariant();

    /// <summary>A fresh id with a readable prefix, so tests sharing a server never see each other's data.</summary>
    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>Creates a template version and publishes it; returns the version number.</summary>
    public async Task<int> CreateTemplateAsync(string templateId, JsonObject channels, string[]? variables = null, JsonObject? locales = null, bool publish = true)
    {
        var body = new JsonObject
        {
            ["template_id"] = templateId,
            ["variables"] = new JsonArray([.. (variables ?? []).Select(v => (JsonNode?)JsonValue.Create(v))]),
            ["channels"] = channels,
        };
        if (locales is not null)
        {
            body["locales"] = locales;
        }

        using var created = await Client.PostJsonAsync("/api/v1/templates", body);
        var json = await created.ShouldHaveStatusAsync(201);
        var version = json["version"]!.GetValue<int>();
        if (publish)
        {
            using var published = await Client.PostAsync(new Uri($"/api/v1/templates/{templateId}/versions/{version}/publish", UriKind.Relative), null);
            (await published.ShouldHaveStatusAsync(200))["status"]!.GetValue<string>().ShouldBe("published");
        }

        return version;
    }

    /// <summary>A published template with an in_app part ("Hello {{name}}") and optionally email, sms and push parts.</summary>
    public Task<int> CreateStandardTemplateAsync(string templateId, bool allChannels = false)
    {
        var channels = new JsonObject
        {
            ["in_app"] = new JsonObject { ["title"] = "Hello {{name}}", ["body"] = "Body for {{name}}", ["action_url"] = "https://example.com/{{name}}" },
        };
        if (allChannels)
        {
            channels["email"] = new JsonObject { ["subject"] = "Subject {{name}}", ["html"] = "<p>Hi {{name}}</p>", ["text"] = "Hi {{name}}" };
            channels["sms"] = new JsonObject { ["body"] = "SMS {{name}}" };
            channels["push"] = new JsonObject { ["title"] = "Push {{name}}", ["body"] = "Push body {{name}}" };
        }

        return CreateTemplateAsync(templateId, channels, ["name"]);
    }

    /// <summary>POSTs a notification and returns its id (expects 202).</summary>
    public async Task<string> SendAsync(JsonObject request)
    {
        using var response = await Client.PostJsonAsync("/api/v1/notifications", request);
        var json = await response.ShouldHaveStatusAsync(202);
        return json["id"]!.GetValue<string>();
    }

    public async Task<JsonNode> GetNotificationAsync(string id)
    {
        using var response = await Client.GetAsync(new Uri($"/api/v1/notifications/{id}", UriKind.Relative));
        return await response.ShouldHaveStatusAsync(200);
    }

    /// <summary>Polls the notification until <paramref name="done"/> holds for its detail; returns that detail.</summary>
    public async Task<JsonNode> WaitForNotificationAsync(string id, Func<JsonNode, bool> done, TimeSpan? timeout = null)
    {
        JsonNode last = null!;
        try
        {
            await Polling.WaitUntilAsync(async () => done(last = await GetNotificationAsync(id)), timeout ?? Polling.DefaultTimeout, $"notification {id} did not reach the expected state");
        }
        catch (TimeoutException ex) when (last is not null)
        {
            throw new TimeoutException($"{ex.Message}; last seen: {Describe(last)}", ex);
        }

        return last;
    }

    /// <summary>A notification's status, its deliveries and its last trace entries, for a timeout's message.</summary>
    private static string Describe(JsonNode n)
    {
        static string? S(JsonNode? x, string name) => x?[name] is JsonValue v ? v.ToString() : null;
        var deliveries = n["deliveries"] is JsonArray ds
            ? string.Join(", ", ds.Select(d => $"{S(d, "channel")} {S(d, "status")} (attempts {S(d, "attempts")}, error {S(d, "last_error") ?? "none"})"))
            : "none";
        var trace = n["trace"] is JsonArray ts
            ? string.Join(" | ", ts.TakeLast(8).Select(t => $"{S(t, "at")} {S(t, "stage")} {S(t, "channel")} {S(t, "decision")}: {S(t, "reason")}"))
            : "none";
        return $"status {S(n, "status")}; deliveries: {deliveries}; trace: {trace}";
    }

    /// <summary>Waits until the notification is completed (every delivery settled).</summary>
    public Task<JsonNode> WaitForCompletedAsync(string id) =>
        WaitForNotificationAsync(id, n => n["status"]!.GetValue<string>() == "completed");

    /// <summary>PUTs a user profile (expects 200).</summary>
    public async Task PutUserAsync(string userId, string? email = null, string? phone = null, string? locale = null, string? timezone = null)
    {
        var body = new JsonObject { ["email"] = email, ["phone"] = phone, ["locale"] = locale, ["timezone"] = timezone };
        using var response = await Client.PutJsonAsync($"/api/v1/users/{userId}", body);
        (await response.ShouldHaveStatusAsync(200)).Str("user_id").ShouldBe(userId);
    }

    /// <summary>The first page of a user's feed, read with the admin key.</summary>
    public Task<JsonNode> GetFeedAsync(string userId, string query = "") => Client.GetJsonAsync($"/api/v1/users/{userId}/feed{query}");

    /// <summary>Lists notifications of one recipient (first page).</summary>
    public async Task<JsonArray> ListNotificationsAsync(string recipientId)
    {
        using var response = await Client.GetAsync(new Uri($"/api/v1/notifications?recipient_id={Uri.EscapeDataString(recipientId)}", UriKind.Relative));
        return (await response.ShouldHaveStatusAsync(200))["notifications"]!.AsArray();
    }

    private sealed class HeraldFactory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
