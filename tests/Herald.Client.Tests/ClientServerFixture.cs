using System.Text.Json.Nodes;
using Herald.Testing;

namespace Herald.Client.Tests;

/// <summary>
/// A real Herald server (child process, SQLite) on loopback; tests build clients against it and use unique ids. Webhooks
/// retry once after 100 ms, so a delivery to a closed port is a dead letter within a second. SMS goes through a routed
/// capture provider (<see cref="SmsProvider"/>, so the provider list has one); email and push through the default capture
/// sender. A Mailgun provider (<see cref="MailgunProvider"/>) sends nothing but takes signed status callbacks (suppressions).
/// </summary>
public sealed class ClientServerFixture : IAsyncLifetime
{
    public const string ApiKey = "client-test-admin-key-0123456789abcdef";
    public const string SmsProvider = "sms-capture";
    public const string MailgunProvider = "mg1";
    public const string MailgunSigningKey = "client-test-mailgun-signing-key";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "herald-client-tests", Guid.NewGuid().ToString("N"));
    private HeraldProcess _herald = null!;
    private readonly List<HttpClient> _clients = [];

    public Uri Server => _herald.BaseAddress;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _herald = new HeraldProcess(Path.Combine(_directory, "herald.db"), ApiKey, new Dictionary<string, string>
        {
            ["Herald__Webhooks__RetrySchedule"] = "100ms",
            [$"Herald__Providers__{SmsProvider}__Type"] = "capture",
            ["Herald__Channels__sms__Providers"] = SmsProvider,
            [$"Herald__Providers__{MailgunProvider}__Type"] = "mailgun",
            [$"Herald__Providers__{MailgunProvider}__BaseUrl"] = $"http://127.0.0.1:{HeraldProcess.FreePort()}",
            [$"Herald__Providers__{MailgunProvider}__ApiKey"] = "key-unused",
            [$"Herald__Providers__{MailgunProvider}__Domain"] = "mg.herald.test",
            [$"Herald__Providers__{MailgunProvider}__From"] = "Herald <noreply@herald.test>",
            [$"Herald__Providers__{MailgunProvider}__WebhookSigningKey"] = MailgunSigningKey,
            // Shorter than the fixture server's 3 s lease, as the server requires (it never sends here).
            [$"Herald__Providers__{MailgunProvider}__Timeout"] = "00:00:02",
        });
        await _herald.StartAsync(TimeSpan.FromSeconds(60));
    }

    public Task DisposeAsync()
    {
        _clients.ForEach(c => c.Dispose());
        _herald.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleanup.
        }

        return Task.CompletedTask;
    }

    /// <summary>A client the plain way: <c>new HeraldClient(HttpClient, options)</c>.</summary>
    public HeraldClient NewClient(string? apiKey = ApiKey)
    {
        var http = new HttpClient { BaseAddress = Server, Timeout = TimeSpan.FromSeconds(15) };
        _clients.Add(http);
        return new HeraldClient(http, new HeraldClientOptions { ApiKey = apiKey });
    }

    /// <summary>
    /// Creates and publishes an in-app template whose body needs <c>name</c>, with <paramref name="allChannels"/> also email,
    /// SMS and push parts; returns its id (the event type).
    /// </summary>
    public static async Task<string> PublishedTemplateAsync(HeraldClient client, CancellationToken ct, bool allChannels = false)
    {
        var id = NewId("client-tpl");
        var channels = new JsonObject { ["in_app"] = new JsonObject { ["title"] = "Hi", ["body"] = "Hello {{name}}" } };
        if (allChannels)
        {
            channels["email"] = new JsonObject { ["subject"] = "Subject {{name}}", ["html"] = "<p>Hi {{name}}</p>", ["text"] = "Hi {{name}}" };
            channels["sms"] = new JsonObject { ["body"] = "SMS {{name}}" };
            channels["push"] = new JsonObject { ["title"] = "Push {{name}}", ["body"] = "Push body {{name}}" };
        }

        var created = await client.CreateTemplateAsync(
            new CreateTemplateRequest(id, channels)
            {
                Variables = ["name"],
            }, ct);
        await client.PublishTemplateVersionAsync(id, created.Version, ct);
        return id;
    }

    /// <summary>Polls until <paramref name="read"/> gives a value that is not null (bounded: a hang fails the test).</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> read, CancellationToken ct)
        where T : class
    {
        while (true)
        {
            if (await read() is { } value)
            {
                return value;
            }

            await Task.Delay(100, ct);
        }
    }

    /// <summary>Sends <paramref name="request"/> and waits (bounded) until the notification is completed; returns it.</summary>
    public static async Task<Notification> SentAsync(HeraldClient client, SendNotificationRequest request, CancellationToken ct)
    {
        var id = (await client.SendNotificationAsync(request, ct)).Id;
        return await EventuallyAsync(async () => await client.GetNotificationAsync(id, ct) is { Status: "completed" } done ? done : null, ct);
    }

    /// <summary>A new app's environment and a client whose key is an admin key of it (made through the API).</summary>
    public async Task<(AppEnvironment Environment, HeraldClient Client)> EnvironmentWithAdminAsync(HeraldClient admin, CancellationToken ct)
    {
        var app = await admin.CreateAppAsync(NewId("app"), ct);
        var environment = await admin.CreateEnvironmentAsync(app.Id, "staging", ct);
        var key = await admin.CreateApiKeyAsync(new CreateApiKeyRequest(NewId("env-admin"), [ApiKeyScopes.Admin]) { Environment = environment.Id }, ct);
        return (environment, NewClient(key.Secret));
    }

    /// <summary>Every page from the first on, each at most <paramref name="limit"/> long; the items in order.</summary>
    public static async Task<List<TItem>> AllPagesAsync<TPage, TItem>(int limit, Func<string?, Task<TPage>> read, Func<TPage, IReadOnlyList<TItem>> items,
        Func<TPage, string?> next)
    {
        var all = new List<TItem>();
        string? cursor = null;
        do
        {
            var page = await read(cursor);
            items(page).Count.ShouldBeLessThanOrEqualTo(limit);
            all.AddRange(items(page));
            cursor = next(page);
        }
        while (cursor is not null);

        return all;
    }

    /// <summary>The server's 404 problem, as RFC 9457 details.</summary>
    public static void ShouldBeNotFound(HeraldApiException ex)
    {
        ex.StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
        ex.Type.ShouldBe("https://herald.dev/problems/not-found");
        ex.Title.ShouldBe("Not found.");
    }

    /// <summary>The server's 400 validation problem with <paramref name="detail"/> for <paramref name="field"/>.</summary>
    public static void ShouldBeValidation(HeraldApiException ex, string field, string detail)
    {
        ex.StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);
        ex.Type.ShouldBe("https://herald.dev/problems/validation");
        ex.Detail.ShouldBe($"{field}: {detail}");
        ex.Errors.Keys.ShouldContain(field);
    }

    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>A bound for every call, so a hang fails the test instead of stalling the run.</summary>
    public static CancellationToken Timeout(int seconds = 30) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;
}
