using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>Files made by earlier builds are brought up to the current schema at start, keeping their rows.</summary>
public sealed class SqliteUpgradeTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "herald-upgrade-tests", Guid.NewGuid().ToString("N") + ".db");

    [Fact]
    public async Task InitializeAsync_EndpointsWithRequiredRecipient_RebuiltNullableKeepingRows()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        await using (var old = new SqliteConnection($"Data Source={_path};Pooling=False"))
        {
            await old.OpenAsync();
            await using var create = old.CreateCommand();
            create.CommandText = """
                CREATE TABLE webhook_endpoints(
                  id TEXT PRIMARY KEY, recipient_id TEXT NOT NULL, url TEXT NOT NULL, secret TEXT NOT NULL, event_types TEXT NOT NULL, description TEXT,
                  enabled INTEGER NOT NULL, disabled_reason TEXT, failing_since INTEGER, created_at INTEGER NOT NULL);
                CREATE INDEX ix_webhook_endpoints_recipient ON webhook_endpoints(recipient_id);
                INSERT INTO webhook_endpoints VALUES ('whe_old', 'u1', 'https://example.com/h', 'whsec_x', '["order.*"]', 'kept', 1, NULL, NULL, 0);
                """;
            await create.ExecuteNonQueryAsync();
        }

        await using (var services = Stores.SqliteServices(_path).BuildServiceProvider())
        {
            await services.GetRequiredService<IStoreInitializer>().InitializeAsync(CancellationToken.None);
            var store = services.GetRequiredService<IWebhookEndpointStore>();

            (await store.GetEndpointAsync(Environments.Default, "whe_old", CancellationToken.None)).ShouldNotBeNull().Description.ShouldBe("kept");
            await store.InsertEndpointAsync(new Herald.Core.Domain.WebhookEndpoint("whe_ops", null, "https://example.com/ops", "whsec_y", ["delivery.*"], null, true, null, null,
                DateTimeOffset.UnixEpoch), CancellationToken.None);
            (await store.GetEndpointAsync(Environments.Default, "whe_ops", CancellationToken.None)).ShouldNotBeNull().RecipientId.ShouldBeNull();
        }
    }

    [Fact]
    public async Task InitializeAsync_UnconfirmedIndexOfEveryChannel_RemadeForEmailAndSmsOnly()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        await using (var services = Stores.SqliteServices(_path).BuildServiceProvider())
        {
            await services.GetRequiredService<IStoreInitializer>().InitializeAsync(CancellationToken.None);
        }

        await using (var old = new SqliteConnection($"Data Source={_path};Pooling=False"))
        {
            await old.OpenAsync();
            await using var remake = old.CreateCommand();
            // As the release before numbered migrations left it: no schema_migrations (so migration 001 runs on it), and
            // none of what later migrations added (002: the API key lifecycle columns; 004: the key's rate limits; 005:
            // environments, whose dropped notification indexes and idempotency table 001 makes again in their earlier shape;
            // 006 and 007: the environment of users, devices, feed items, topic subscribers, templates, suppressions, digest
            // rules, digests, campaigns and webhook endpoints; 008: the deliveries' environment; 009: layouts and partials;
            // 010: the deliveries' content index).
            remake.CommandText = """
                DROP TABLE schema_migrations;
                DROP INDEX ix_deliveries_content;
                DROP TABLE template_partials;
                DROP TABLE template_layouts;
                ALTER TABLE deliveries DROP COLUMN environment_id;
                DROP TABLE environments;
                DROP TABLE apps;
                ALTER TABLE api_keys DROP COLUMN environment_id;
                DROP INDEX ix_notifications_environment;
                DROP INDEX ix_notifications_recipient;
                DROP INDEX ix_notifications_status;
                DROP INDEX ix_notifications_event_type;
                ALTER TABLE notifications DROP COLUMN environment_id;
                DROP TABLE idempotency;
                DROP INDEX ix_feed_user;
                DROP INDEX ix_feed_unread;
                ALTER TABLE feed DROP COLUMN environment_id;
                CREATE INDEX ix_feed_user ON feed(user_id, seq);
                CREATE INDEX ix_feed_unread ON feed(user_id) WHERE read_at IS NULL AND archived_at IS NULL;
                DROP TABLE users;
                CREATE TABLE users(user_id TEXT PRIMARY KEY, email TEXT, phone TEXT, locale TEXT, timezone TEXT, preferences TEXT, updated_at INTEGER NOT NULL);
                DROP TABLE devices;
                CREATE TABLE devices(id TEXT PRIMARY KEY, user_id TEXT NOT NULL, token TEXT NOT NULL, platform TEXT NOT NULL, app_version TEXT, created_at INTEGER NOT NULL,
                  last_seen_at INTEGER NOT NULL, UNIQUE(token, platform));
                CREATE INDEX ix_devices_user ON devices(user_id);
                CREATE INDEX ix_devices_last_seen ON devices(last_seen_at);
                DROP TABLE topic_subscribers;
                CREATE TABLE topic_subscribers(topic TEXT NOT NULL, user_id TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY(topic, user_id));
                CREATE INDEX ix_topic_subscribers_user ON topic_subscribers(user_id);
                DROP INDEX api_keys_previous_hash;
                ALTER TABLE api_keys DROP COLUMN name;
                ALTER TABLE api_keys DROP COLUMN prefix;
                ALTER TABLE api_keys DROP COLUMN expires_at;
                ALTER TABLE api_keys DROP COLUMN revoked_at;
                ALTER TABLE api_keys DROP COLUMN last_used_at;
                ALTER TABLE api_keys DROP COLUMN previous_hash;
                ALTER TABLE api_keys DROP COLUMN previous_expires_at;
                ALTER TABLE api_keys DROP COLUMN requests_per_second;
                ALTER TABLE api_keys DROP COLUMN notifications_per_second;
                DROP INDEX ix_deliveries_unconfirmed;
                CREATE INDEX ix_deliveries_unconfirmed ON deliveries(provider, sent_at) WHERE status = 'sent' AND tracked_status IS NULL AND confirm_ended IS NULL;
                DROP TABLE templates;
                CREATE TABLE templates(template_id TEXT NOT NULL, version INTEGER NOT NULL, published INTEGER NOT NULL, description TEXT, definition TEXT NOT NULL, created_at INTEGER NOT NULL, published_at INTEGER, PRIMARY KEY(template_id, version));
                DROP TABLE suppressions;
                CREATE TABLE suppressions(channel INTEGER NOT NULL, address TEXT NOT NULL, reason TEXT NOT NULL, source TEXT NOT NULL, created_at INTEGER NOT NULL,
                  PRIMARY KEY(channel, address));
                DROP TABLE digest_rules;
                CREATE TABLE digest_rules(
                  event_type TEXT PRIMARY KEY, window_ms INTEGER NOT NULL, max_items INTEGER NOT NULL, group_by TEXT, template_id TEXT NOT NULL,
                  fold_rate_limited INTEGER NOT NULL, batch INTEGER NOT NULL DEFAULT 1, updated_at INTEGER NOT NULL);
                DROP INDEX ux_digests_open;
                ALTER TABLE digests DROP COLUMN environment_id;
                CREATE UNIQUE INDEX ux_digests_open ON digests(recipient_id, event_type, kind, group_key) WHERE status = 'open';
                ALTER TABLE campaigns DROP COLUMN environment_id;
                DROP INDEX ix_webhook_endpoints_recipient;
                DROP INDEX ix_webhook_endpoints_operational;
                DROP INDEX ix_webhook_endpoints_environment;
                ALTER TABLE webhook_endpoints DROP COLUMN environment_id;
                CREATE INDEX ix_webhook_endpoints_recipient ON webhook_endpoints(recipient_id);
                CREATE INDEX ix_webhook_endpoints_operational ON webhook_endpoints(created_at) WHERE recipient_id IS NULL;
                """;
            await remake.ExecuteNonQueryAsync();
        }

        await using (var services = Stores.SqliteServices(_path).BuildServiceProvider())
        {
            await services.GetRequiredService<IStoreInitializer>().InitializeAsync(CancellationToken.None);
        }

        await using var check = new SqliteConnection($"Data Source={_path};Pooling=False");
        await check.OpenAsync();
        await using var index = check.CreateCommand();
        index.CommandText = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'ix_deliveries_unconfirmed'";
        ((string)(await index.ExecuteScalarAsync())!).ShouldContain("channel IN (1, 2)");
    }

    [Fact]
    public async Task InitializeAsync_FileWithoutTraceParent_AddsTheColumnsAndKeepsRows()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        await using (var old = new SqliteConnection($"Data Source={_path};Pooling=False"))
        {
            await old.OpenAsync();
            await using var create = old.CreateCommand();
            create.CommandText = """
                CREATE TABLE notifications(id TEXT PRIMARY KEY, event_type TEXT NOT NULL, recipient_id TEXT NOT NULL, priority INTEGER NOT NULL, status TEXT NOT NULL,
                  template_id TEXT NOT NULL, template_version INTEGER, channels TEXT, data TEXT NOT NULL, idempotency_key TEXT, batch_id TEXT,
                  due_at INTEGER NOT NULL, lease_until INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
                CREATE TABLE deliveries(id TEXT PRIMARY KEY, notification_id TEXT NOT NULL, recipient_id TEXT NOT NULL, event_type TEXT NOT NULL, channel INTEGER NOT NULL,
                  priority INTEGER NOT NULL, target TEXT NOT NULL, target_ref TEXT, provider TEXT, status TEXT NOT NULL, attempts INTEGER NOT NULL,
                  last_error TEXT, content TEXT NOT NULL, content_hash TEXT NOT NULL, due_at INTEGER NOT NULL, lease_until INTEGER, lease_owner TEXT,
                  claimed_at INTEGER, sent_at INTEGER, delivered_at INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
                  platform TEXT, provider_message_id TEXT, tracked_status TEXT, UNIQUE(notification_id, channel, target));
                INSERT INTO notifications VALUES ('ntf_old', 'e', 'u', 1, 'completed', 't', 1, NULL, '{}', NULL, NULL, 0, NULL, 0, 0);
                """;
            await create.ExecuteNonQueryAsync();
        }

        await using (var services = Stores.SqliteServices(_path).BuildServiceProvider())
        {
            var initializer = services.GetRequiredService<IStoreInitializer>();
            await initializer.InitializeAsync(CancellationToken.None);
            await initializer.InitializeAsync(CancellationToken.None);

            var kept = await services.GetRequiredService<INotificationQueryStore>().GetNotificationAsync("ntf_old", CancellationToken.None);
            kept.ShouldNotBeNull().TraceParent.ShouldBeNull();
        }

        await using var check = new SqliteConnection($"Data Source={_path};Pooling=False");
        await check.OpenAsync();
        await using var columns = check.CreateCommand();
        columns.CommandText = "SELECT COUNT(*) FROM pragma_table_info('notifications') WHERE name = 'trace_parent'";
        ((long)(await columns.ExecuteScalarAsync())!).ShouldBe(1);
        columns.CommandText = "SELECT COUNT(*) FROM pragma_table_info('deliveries') WHERE name = 'trace_parent'";
        ((long)(await columns.ExecuteScalarAsync())!).ShouldBe(1);
    }

    [Fact]
    public async Task InitializeAsync_DevicesOwnedPerUser_RebuiltOneOwnerPerTokenKeepingTheLatest()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        await using (var old = new SqliteConnection($"Data Source={_path};Pooling=False"))
        {
            await old.OpenAsync();
            await using var create = old.CreateCommand();
            create.CommandText = """
                CREATE TABLE devices(id TEXT PRIMARY KEY, user_id TEXT NOT NULL, token TEXT NOT NULL, platform TEXT NOT NULL, app_version TEXT, created_at INTEGER NOT NULL, UNIQUE(user_id, token));
                INSERT INTO devices VALUES ('dev_first', 'u1', 'tok-handed-down', 'android', '1.0', 1000);
                INSERT INTO devices VALUES ('dev_second', 'u2', 'tok-handed-down', 'android', '1.1', 2000);
                INSERT INTO devices VALUES ('dev_own', 'u1', 'tok-own', 'ios', NULL, 1500);
                """;
            await create.ExecuteNonQueryAsync();
        }

        await using (var services = Stores.SqliteServices(_path).BuildServiceProvider())
        {
            var initializer = services.GetRequiredService<IStoreInitializer>();
            await initializer.InitializeAsync(CancellationToken.None);
            await initializer.InitializeAsync(CancellationToken.None);
            var store = services.GetRequiredService<IUserStore>();

            var u1 = await store.GetDevicesAsync(Herald.Core.Domain.Environments.Default, "u1", CancellationToken.None);
            u1.ShouldHaveSingleItem().Id.ShouldBe("dev_own");
            u1[0].LastSeenAt.ShouldBe(DateTimeOffset.FromUnixTimeMilliseconds(1500));
            (await store.GetDevicesAsync(Herald.Core.Domain.Environments.Default, "u2", CancellationToken.None)).ShouldHaveSingleItem().Id.ShouldBe("dev_second");
            var moved = await store.AddDeviceAsync(new Herald.Core.Domain.Device("dev_third", "u3", "tok-handed-down", "android", null, DateTimeOffset.UnixEpoch.AddSeconds(3),
                DateTimeOffset.UnixEpoch.AddSeconds(3)), CancellationToken.None);
            moved.UserId.ShouldBe("u3");
            (await store.GetDevicesAsync(Herald.Core.Domain.Environments.Default, "u2", CancellationToken.None)).ShouldBeEmpty();
        }
    }

    public void Dispose()
    {
        foreach (var f in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            try
            {
                File.Delete(f);
            }
            catch (IOException)
            {
                // Left for the OS temp cleanup.
            }
        }
    }
}
