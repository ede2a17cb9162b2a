using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;
using Herald.Testing;
using Microsoft.Data.Sqlite;

namespace Herald.Server.Tests.Hosting;

/// <summary>
/// The real server started on a SQLite file an earlier release made (the schema of e35ab84, shared with the store's
/// upgrade tests) upgrades it and serves its rows through the API; on a file a newer release upgraded it refuses to start.
/// </summary>
public sealed class SqliteUpgradeStartTests : IDisposable
{
    private const string Key = "upgrade-test-key-0123456789abcdef0123";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "herald-upgrade-start", Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_directory, "herald.db");

    [Fact]
    public async Task Start_FileOfAnEarlierRelease_ServesItsRowsAndTakesWritesTheNewSchemaAllows()
    {
        var now = TimeProvider.System.GetUtcNow();
        var id = "ntf_" + Guid.NewGuid().ToString("N");
        var at = now.ToUnixTimeMilliseconds();
        await ExecuteAsync(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Hosting", "Fixtures", "schema-e35ab84.sql")) + $"""
            INSERT INTO users(user_id, email, updated_at) VALUES ('u-old', 'old@example.com', {at});
            INSERT INTO devices(id, user_id, token, platform, created_at) VALUES ('dev_old', 'u-old', 'tok-old', 'android', {at});
            INSERT INTO notifications(id, event_type, recipient_id, priority, status, template_id, template_version, data, due_at, created_at, updated_at)
              VALUES ('{id}', 'order.shipped', 'u-old', 1, 'completed', 'order_shipped', 1, '{"{"}{"}"}', {at}, {at}, {at});
            INSERT INTO deliveries(id, notification_id, recipient_id, event_type, channel, priority, target, provider, status, attempts, content, content_hash,
              due_at, sent_at, created_at, updated_at)
              VALUES ('dlv_old_email', '{id}', 'u-old', 'order.shipped', 1, 1, 'old@example.com', 'capture', 'sent', 1, '{"{"}{"}"}', 'h1', {at}, {at}, {at}, {at}),
                     ('dlv_old_sms', '{id}', 'u-old', 'order.shipped', 2, 1, '+15550100', 'capture', 'delivered', 1, '{"{"}{"}"}', 'h2', {at}, {at}, {at}, {at});
            """);
        using var herald = new HeraldProcess(DatabasePath, Key);

        await herald.StartAsync(StartTimeout);

        using var client = new HttpClient { BaseAddress = herald.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        var notification = await client.GetJsonAsync($"/api/v1/notifications/{id}");
        notification.Str("status").ShouldBe("completed");
        notification["deliveries"]!.AsArray().Select(d => d.Str("status")).Order(StringComparer.Ordinal).ShouldBe(["delivered", "sent"]);
        (await client.GetJsonAsync("/api/v1/users/u-old")).Str("email").ShouldBe("old@example.com");
        // The devices table was keyed per user before: a token now has one owner, so registering it elsewhere moves it.
        using (var moved = await client.PostJsonAsync("/api/v1/users/u-new/devices", new JsonObject { ["token"] = "tok-old", ["platform"] = "android" }))
        {
            await moved.ShouldHaveStatusAsync(201);
        }

        (await client.GetJsonAsync("/api/v1/users/u-old/devices"))["devices"]!.AsArray().ShouldBeEmpty();
        // recipient_id was NOT NULL before: an operational endpoint (no recipient) is stored now.
        using var operational = await client.PostJsonAsync("/api/v1/webhook-endpoints", new JsonObject
        {
            ["url"] = "https://example.com/ops", ["event_types"] = new JsonArray("delivery.delivered"),
        });
        (await operational.ShouldHaveStatusAsync(201)).StrOrNull("recipient_id").ShouldBeNull();
    }

    [Fact]
    public async Task Start_FileANewerReleaseUpgraded_ExitsNamingTheUnknownMigration()
    {
        await ExecuteAsync("""
            CREATE TABLE schema_migrations(version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL DEFAULT 0);
            INSERT INTO schema_migrations VALUES ('001_baseline', 0), ('999_from_a_newer_release', 0);
            """);
        using var herald = new HeraldProcess(DatabasePath, Key);

        var failure = await Should.ThrowAsync<InvalidOperationException>(() => herald.StartAsync(StartTimeout));

        failure.Message.ShouldContain("exited");
        failure.Message.ShouldContain("999_from_a_newer_release");
    }

    private async Task ExecuteAsync(string sql)
    {
        Directory.CreateDirectory(_directory);
        await using var c = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await c.OpenAsync();
        await using var command = c.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleanup.
        }
    }
}
