using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Storage.Sqlite;
using Herald.Storage.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>
/// Files made by earlier releases' schemas (checked in under <c>Fixtures/schema-&lt;commit&gt;.sql</c>, taken from git),
/// holding rows, are upgraded by migration 001 to the schema a new file gets, and the store works on them.
/// 4f8c0cd is the last release before numbered migrations; b797e42 has the unconfirmed index of every channel and lacks
/// the dedup, throttled and callback-receipt additions; e35ab84 predates trace_parent, operational endpoints and
/// device owners.
/// </summary>
public sealed class SqliteReleaseUpgradeTests : IDisposable
{
    private static readonly DateTimeOffset Then = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
    private static readonly DateTimeOffset Now = Then.AddDays(30);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "herald-release-upgrade-tests", Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData("4f8c0cd")]
    [InlineData("b797e42")]
    [InlineData("e35ab84")]
    public async Task InitializeAsync_FileOfAnEarlierRelease_KeepsItsRowsAndServesThem(string release)
    {
        var path = await CreateReleaseFileAsync(release);

        await using var services = Stores.SqliteServices(path).BuildServiceProvider();
        var store = new StoreHandle(services.GetService, () => ValueTask.CompletedTask);
        await store.Port<IStoreInitializer>().InitializeAsync(CancellationToken.None);

        var old = (await store.Queries.GetNotificationAsync("ntf_old", CancellationToken.None)).ShouldNotBeNull();
        (old.RecipientId, old.Status, old.Data, old.TraceParent, old.CampaignId).ShouldBe(("u1", NotificationStatus.Completed, "{\"order\":7}", (string?)null, (string?)null));
        var deliveries = await store.Queries.GetDeliveriesAsync("ntf_old", CancellationToken.None);
        deliveries.Select(d => (d.Id, d.Channel, d.Status, d.LookUps, d.DedupWindow)).OrderBy(d => d.Id)
            .ShouldBe([("dlv_old_email", Channel.Email, DeliveryStatus.Sent, 0, (TimeSpan?)null), ("dlv_old_sms", Channel.Sms, DeliveryStatus.Delivered, 0, (TimeSpan?)null)]);
        (await store.Users.GetUserAsync(Environments.Default, "u1", CancellationToken.None)).ShouldNotBeNull().Email.ShouldBe("u1@example.com");
        (await store.Templates.GetTemplateVersionAsync(Environments.Default, "order_shipped", 1, CancellationToken.None)).ShouldNotBeNull().Definition.ShouldBe("{\"channels\":{}}");
        (await store.Endpoints.GetEndpointAsync(Environments.Default, "whe_old", CancellationToken.None)).ShouldNotBeNull().RecipientId.ShouldBe("u1");
        (await store.Users.GetDevicesAsync(Environments.Default, "u1", CancellationToken.None)).ShouldHaveSingleItem().LastSeenAt.ShouldBe(Then);

        // New rows in the columns and constraints releases after these files added.
        await store.Ingest.AcceptAsync([new IngestItem([new Notification("ntf_new", "order.shipped", "u1", Priority.Normal, NotificationStatus.Accepted, "order_shipped", 1, null,
            "{}", null, null, Now, Now, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", new NotificationOptions(Now.AddHours(1)), "cmp_1")], null)], Now, CancellationToken.None);
        (await store.Plans.ClaimForPlanningAsync(Priority.Normal, Now, Now.AddSeconds(30), 10, CancellationToken.None)).Select(n => n.Id).ShouldBe(["ntf_new"]);
        var planned = new Delivery("dlv_new", "ntf_new", "u1", "order.shipped", Channel.Email, Priority.Normal, "u1@example.com", null, null, DeliveryStatus.Queued, 0, null,
            "{}", "hash", Now, null, null, Now, Now, ExpiresAt: Now.AddHours(1), Condition: DeliveryConditions.InAppUnread, DedupWindow: TimeSpan.FromMinutes(5));
        await store.Plans.CompletePlanningAsync([new PlanResult("ntf_new", [planned], [], NotificationStatus.Processing)], Now, CancellationToken.None);
        var fresh = (await store.Queries.GetNotificationAsync("ntf_new", CancellationToken.None)).ShouldNotBeNull();
        (fresh.TraceParent, fresh.CampaignId, fresh.Options?.ExpiresAt).ShouldBe(("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "cmp_1", (DateTimeOffset?)Now.AddHours(1)));
        var stored = (await store.Queries.GetDeliveriesAsync("ntf_new", CancellationToken.None)).ShouldHaveSingleItem();
        (stored.ExpiresAt, stored.Condition, stored.DedupWindow).ShouldBe(((DateTimeOffset?)Now.AddHours(1), DeliveryConditions.InAppUnread, (TimeSpan?)TimeSpan.FromMinutes(5)));
        await store.Endpoints.InsertEndpointAsync(new WebhookEndpoint("whe_ops", null, "https://example.com/ops", "whsec_y", ["delivery.*"], null, true, null, null, Now), CancellationToken.None);
        (await store.Endpoints.GetEndpointAsync(Environments.Default, "whe_ops", CancellationToken.None)).ShouldNotBeNull().RecipientId.ShouldBeNull();
        (await store.Users.AddDeviceAsync(new Device("dev_moved", "u2", "tok-1", "android", null, Now, Now), CancellationToken.None)).UserId.ShouldBe("u2");
        (await store.Users.GetDevicesAsync(Environments.Default, "u1", CancellationToken.None)).ShouldBeEmpty();
    }

    /// <remarks>b797e42's deliveries get dedup_ms after confirm_ended, where a new file has it before confirm_lookups (see <see cref="SqliteSchemaSnapshot"/>).</remarks>
    [Theory]
    [InlineData("4f8c0cd", true)]
    [InlineData("b797e42", false)]
    [InlineData("e35ab84", true)]
    public async Task InitializeAsync_FileOfAnEarlierRelease_EndsWithTheSchemaOfANewFile(string release, bool columnOrder)
    {
        var upgraded = await CreateReleaseFileAsync(release);
        var created = Path.Combine(_directory, "new.db");
        foreach (var path in new[] { upgraded, created })
        {
            await using var db = new SqliteDatabase(new SqliteOptions { Path = path, Synchronous = "NORMAL" });
            (await SqliteMigrator.MigrateAsync(db, CancellationToken.None)).ShouldBe(SqliteMigrator.Versions);
        }

        var (have, want) = (await SqliteSchemaSnapshot.ReadAsync(upgraded, columnOrder), await SqliteSchemaSnapshot.ReadAsync(created, columnOrder));
        have.Except(want).ShouldBeEmpty("in the upgraded file only");
        want.Except(have).ShouldBeEmpty("in a new file only");
        have.ShouldBe(want);
    }

    /// <summary>A file as that release left it: its schema (no migration record), with a few rows in the main tables.</summary>
    private async Task<string> CreateReleaseFileAsync(string release)
    {
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, release + ".db");
        var schema = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Sqlite", "Fixtures", $"schema-{release}.sql"));
        await using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        await c.OpenAsync();
        await ExecuteAsync(c, schema);
        var then = Then.ToUnixTimeMilliseconds();
        await InsertAsync(c, "users", new() { ["user_id"] = "u1", ["email"] = "u1@example.com", ["phone"] = "+15550100", ["locale"] = "en", ["updated_at"] = then });
        await InsertAsync(c, "templates", new() { ["template_id"] = "order_shipped", ["version"] = 1, ["published"] = 1, ["definition"] = "{\"channels\":{}}", ["created_at"] = then, ["published_at"] = then });
        await InsertAsync(c, "devices", new() { ["id"] = "dev_old", ["user_id"] = "u1", ["token"] = "tok-1", ["platform"] = "android", ["created_at"] = then, ["last_seen_at"] = then });
        await InsertAsync(c, "webhook_endpoints", new()
        {
            ["id"] = "whe_old", ["recipient_id"] = "u1", ["url"] = "https://example.com/h", ["secret"] = "whsec_x", ["event_types"] = "[\"order.*\"]", ["enabled"] = 1, ["created_at"] = then,
        });
        await InsertAsync(c, "notifications", new()
        {
            ["id"] = "ntf_old", ["event_type"] = "order.shipped", ["recipient_id"] = "u1", ["priority"] = (int)Priority.Normal, ["status"] = NotificationStatus.Completed,
            ["template_id"] = "order_shipped", ["template_version"] = 1, ["data"] = "{\"order\":7}", ["due_at"] = then, ["created_at"] = then, ["updated_at"] = then,
        });
        foreach (var (id, channel, status) in new[] { ("dlv_old_email", Channel.Email, DeliveryStatus.Sent), ("dlv_old_sms", Channel.Sms, DeliveryStatus.Delivered) })
        {
            await InsertAsync(c, "deliveries", new()
            {
                ["id"] = id, ["notification_id"] = "ntf_old", ["recipient_id"] = "u1", ["event_type"] = "order.shipped", ["channel"] = (int)channel, ["priority"] = (int)Priority.Normal,
                ["target"] = "target-" + id, ["provider"] = "sandbox", ["status"] = status, ["attempts"] = 1, ["content"] = "{}", ["content_hash"] = "hash-" + id, ["due_at"] = then,
                ["sent_at"] = then, ["created_at"] = then, ["updated_at"] = then,
            });
        }

        return path;
    }

    /// <summary>Inserts the values of the columns the table has in this release.</summary>
    private static async Task InsertAsync(SqliteConnection c, string table, Dictionary<string, object> values)
    {
        var columns = new HashSet<string>(StringComparer.Ordinal);
        await using (var info = c.CreateCommand())
        {
            info.CommandText = $"SELECT name FROM pragma_table_info('{table}')";
            await using var r = await info.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                columns.Add(r.GetString(0));
            }
        }

        var present = values.Where(v => columns.Contains(v.Key)).ToList();
        await using var insert = c.CreateCommand();
        insert.CommandText = $"INSERT INTO {table}({string.Join(", ", present.Select(v => v.Key))}) VALUES ({string.Join(", ", present.Select(v => "$" + v.Key))})";
        foreach (var (column, value) in present)
        {
            insert.Parameters.AddWithValue("$" + column, value);
        }

        (await insert.ExecuteNonQueryAsync()).ShouldBe(1);
    }

    private static async Task ExecuteAsync(SqliteConnection c, string sql)
    {
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
