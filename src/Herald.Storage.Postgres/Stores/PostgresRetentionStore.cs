using System.Text.RegularExpressions;
using Herald.Core.Domain;
using Herald.Core.Lifecycle;
using Herald.Core.Storage;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Retention on PostgreSQL: whole months go by dropping partitions (cheap), but never with pending work in them; what a
/// month still holds that must stay is carried over into the default partitions first (herald_expire_month, migration
/// 008), and leaves from there row by row once it is terminal and unchanged for the retention. The months ahead are
/// created here too (<see cref="EnsurePartitionsAsync"/>), and a user's data is erased (<see cref="EraseUserAsync"/>).
/// </summary>
internal sealed class PostgresRetentionStore(PostgresDatabase db) : IRetentionStore, IErasureStore
{
    private static readonly string[] TerminalNotifications = [.. RetentionStatuses.TerminalNotifications];
    private static readonly string[] TerminalDeliveries = [.. RetentionStatuses.TerminalDeliveries];

    // Months (YYYYMM) with a partition of one of the tables that ends at or before the cutoff.
    private const string ExpiredMonths = """
        SELECT DISTINCT right(c.relname, 6) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname = ANY(@parents) AND c.relname ~ '_[0-9]{6}$'
          AND (to_date(right(c.relname, 6), 'YYYYMM')::timestamp + interval '1 month') AT TIME ZONE 'UTC' <= @cutoff
        ORDER BY 1
        """;

    // One batch of the default partition's expired notifications, with everything that hangs off them.
    private const string DeleteDefaultNotifications = """
        WITH expired AS (
          SELECT n.id FROM notifications_default n
          WHERE n.id < @bound AND n.updated_at < @cutoff AND n.status = ANY(@terminal_notifications)
            AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.notification_id = n.id AND (d.status <> ALL(@terminal_deliveries) OR d.updated_at >= @cutoff))
          ORDER BY n.id LIMIT @batch),
        gone AS (DELETE FROM notifications n USING expired e WHERE n.id = e.id RETURNING n.id),
        dlv AS (DELETE FROM deliveries d USING gone WHERE d.notification_id = gone.id RETURNING d.id),
        att AS (DELETE FROM attempts a USING dlv WHERE a.delivery_id = dlv.id),
        tr AS (DELETE FROM trace t USING gone WHERE t.notification_id = gone.id),
        ob AS (DELETE FROM outbox o USING dlv WHERE o.delivery_id = dlv.id RETURNING 1)
        SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM dlv), (SELECT count(*) FROM ob)
        """;

    // Feed items are written after their notification, so an item made before the cutoff belongs to a notification
    // made before it: the walk stays in the primary key's range below the cutoff's bound.
    private const string DeleteDefaultFeed = """
        DELETE FROM feed_default f USING (
          SELECT notification_id, seq FROM feed_default WHERE notification_id < @bound AND created_at < @cutoff ORDER BY notification_id LIMIT @batch) e
        WHERE f.notification_id = e.notification_id AND f.seq = e.seq
        """;

    /// <summary>Creates the monthly partitions around now (retention, which drops old ones, is <see cref="PurgeExpiredAsync"/>).</summary>
    public async Task EnsurePartitionsAsync(CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await c.Command("SELECT herald_ensure_partitions(1, 2)").ExecuteNonQueryAsync(ct);
    }

    public async Task<RetentionSummary> PurgeExpiredAsync(RetentionCutoffs cutoffs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cutoffs);
        await using var c = await db.OpenAsync(ct);
        var summary = await ExpireMonthsAsync(c, cutoffs, ct);
        summary = summary.Add(await DeleteDefaultNotificationsAsync(c, cutoffs, ct));

        long feed = 0;
        for (var batch = cutoffs.BatchSize; batch == cutoffs.BatchSize;)
        {
            batch = await c.Command(DeleteDefaultFeed).With("bound", RetentionStatuses.IdBound("ntf", cutoffs.FeedBefore))
                .With("cutoff", cutoffs.FeedBefore.Ms()).With("batch", cutoffs.BatchSize).ExecuteNonQueryAsync(ct);
            feed += batch;
        }

        return summary.Add(RetentionSummary.None with { FeedItems = feed, OutboxMessages = await DeleteOutboxAsync(c, cutoffs, ct) });
    }

    private static async Task<RetentionSummary> ExpireMonthsAsync(NpgsqlConnection c, RetentionCutoffs cutoffs, CancellationToken ct)
    {
        var summary = RetentionSummary.None;
        foreach (var month in await MonthsAsync(c, ["notifications", "deliveries", "trace", "attempts"], cutoffs.NotificationsBefore, ct))
        {
            var expired = await c.Command("SELECT * FROM herald_expire_month(@month, @cutoff, @terminal_notifications, @terminal_deliveries)")
                .With("month", month).With("cutoff", cutoffs.NotificationsBefore.Ms())
                .With("terminal_notifications", TerminalNotifications).With("terminal_deliveries", TerminalDeliveries)
                .ReadAllAsync(r => new RetentionSummary(r.GetInt64(0), r.GetInt64(1), 0, 0, r.GetInt32(3), r.GetInt64(2), 0), ct);
            summary = summary.Add(expired[0]);
        }

        foreach (var month in await MonthsAsync(c, ["feed"], cutoffs.FeedBefore, ct))
        {
            var removed = await c.Command("SELECT herald_expire_feed_month(@month, @cutoff)")
                .With("month", month).With("cutoff", cutoffs.FeedBefore.Ms()).ExecuteScalarAsync(ct);
            summary = summary.Add(RetentionSummary.None with { FeedItems = Convert.ToInt64(removed, System.Globalization.CultureInfo.InvariantCulture), PartitionsDropped = 1 });
        }

        return summary;
    }

    private static async Task<List<string>> MonthsAsync(NpgsqlConnection c, string[] parents, DateTimeOffset cutoff, CancellationToken ct)
    {
        var months = await c.Command(ExpiredMonths).With("parents", parents).With("cutoff", cutoff.ToUniversalTime()).ReadAllAsync(r => r.GetString(0), ct);
        return [.. months.Where(m => Regex.IsMatch(m, "^[0-9]{6}$", RegexOptions.None, TimeSpan.FromSeconds(1)))];
    }

    private static async Task<RetentionSummary> DeleteDefaultNotificationsAsync(NpgsqlConnection c, RetentionCutoffs cutoffs, CancellationToken ct)
    {
        var summary = RetentionSummary.None;
        while (true)
        {
            var removed = (await c.Command(DeleteDefaultNotifications)
                .With("bound", RetentionStatuses.IdBound("ntf", cutoffs.NotificationsBefore)).With("cutoff", cutoffs.NotificationsBefore.Ms())
                .With("terminal_notifications", TerminalNotifications).With("terminal_deliveries", TerminalDeliveries).With("batch", cutoffs.BatchSize)
                .ReadAllAsync(r => RetentionSummary.None with { Notifications = r.GetInt64(0), Deliveries = r.GetInt64(1), OutboxMessages = r.GetInt64(2) }, ct))[0];
            summary = summary.Add(removed);
            if (removed.Notifications < cutoffs.BatchSize)
            {
                return summary;
            }
        }
    }

    /// <summary>
    /// The capture outbox (not partitioned) in windows of the batch size by id, stopping at the first window that reaches
    /// newer rows. A message is kept while its delivery is pending: the reconciler reads it to learn a send arrived.
    /// </summary>
    private static async Task<long> DeleteOutboxAsync(NpgsqlConnection c, RetentionCutoffs cutoffs, CancellationToken ct)
    {
        long removed = 0;
        long after = 0;
        while (true)
        {
            var window = await c.Command("SELECT id, created_at FROM outbox WHERE id > @after ORDER BY id LIMIT @batch")
                .With("after", after).With("batch", cutoffs.BatchSize).ReadAllAsync(r => (Id: r.GetInt64(0), At: r.GetInt64(1)), ct);
            if (window.Count == 0)
            {
                return removed;
            }

            removed += await c.Command("""
                DELETE FROM outbox o WHERE o.id > @after AND o.id <= @last AND o.created_at < @cutoff
                  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = o.delivery_id AND d.status <> ALL(@terminal_deliveries))
                """).With("after", after).With("last", window[^1].Id).With("cutoff", cutoffs.NotificationsBefore.Ms())
                .With("terminal_deliveries", TerminalDeliveries).ExecuteNonQueryAsync(ct);
            after = window[^1].Id;
            if (window.Count < cutoffs.BatchSize || window[^1].At >= cutoffs.NotificationsBefore.Ms())
            {
                return removed;
            }
        }
    }

    // As on SQLite: everything not yet (or not surely) at the recipient is cancelled, so nothing more is sent, resent after
    // reconciliation or replayed; a completion for a send in flight then no longer applies (it needs status sending).
    public Task<ErasureSummary> EraseUserAsync(string environmentId, string userId, string pseudonym, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var t = now.Ms();
            var u = new ErasedUser(environmentId, userId, pseudonym, t);
            // Row locks on the user's notifications order this erasure with a concurrent plan completion (which applies only
            // while the notification is still planning, and so skips once it reads cancelled) and with a concurrent cancel.
            await Run(c, tx, "SELECT id FROM notifications WHERE environment_id = @env AND recipient_id = @u ORDER BY id FOR UPDATE", u, ct);
            var cancelledNotifications = await Run(c, tx, $"""
                UPDATE notifications SET status = 'cancelled', lease_until = NULL, updated_at = @t
                WHERE environment_id = @env AND recipient_id = @u AND status IN {NotificationStatus.Sql.Unplanned}
                """, u, ct);
            var cancelled = await Run(c, tx, $"""
                UPDATE deliveries SET status = 'cancelled', lease_until = NULL, lease_owner = NULL, updated_at = @t
                WHERE environment_id = @env AND recipient_id = @u AND status IN {DeliveryStatus.Sql.Unsent}
                """, u, ct);
            await Run(c, tx, "UPDATE notifications SET status = 'cancelled', updated_at = @t WHERE environment_id = @env AND recipient_id = @u AND status = 'processing'", u, ct);

            await Run(c, tx, "UPDATE trace SET reason = '[erased]' WHERE notification_id IN (SELECT id FROM notifications WHERE environment_id = @env AND recipient_id = @u)", u, ct);
            await Run(c, tx, "UPDATE attempts SET detail = NULL, provider_message_id = NULL WHERE delivery_id IN (SELECT id FROM deliveries WHERE environment_id = @env AND recipient_id = @u)", u, ct);
            // The target stays unique per notification and channel (several devices), so it becomes '[erased]:<delivery id>'.
            var deliveries = await Run(c, tx, """
                UPDATE deliveries SET recipient_id = @p, target = '[erased]:' || id, target_ref = NULL, content = '{}', content_hash = '',
                    last_error = NULL, provider_message_id = NULL, trace_parent = NULL, updated_at = @t
                WHERE environment_id = @env AND recipient_id = @u
                """, u, ct);
            var notifications = await Run(c, tx, """
                UPDATE notifications SET recipient_id = @p, data = '{}', idempotency_key = NULL, trace_parent = NULL, updated_at = @t
                WHERE environment_id = @env AND recipient_id = @u
                """, u, ct);

            // Lifecycle events name the recipient in their payload (notification data and the webhook deliveries' content).
            var events = await Run(c, tx, $$"""
                UPDATE notifications SET data = jsonb_set(data::jsonb, '{data,recipient_id}', to_jsonb(@p::text))::text
                WHERE environment_id = @env AND recipient_id = '{{LifecycleEvents.Recipient}}' AND data::jsonb -> 'data' ->> 'recipient_id' = @u
                """, u, ct);
            await Run(c, tx, $$"""
                UPDATE deliveries SET content = jsonb_set(content::jsonb, '{data,recipient_id}', to_jsonb(@p::text))::text
                WHERE environment_id = @env AND recipient_id = '{{LifecycleEvents.Recipient}}' AND content::jsonb -> 'data' ->> 'recipient_id' = @u
                """, u, ct);

            // Every row is looked for in the erased user's environment only: the same id in another environment is another user.
            var feed = await Run(c, tx, "DELETE FROM feed WHERE environment_id = @env AND user_id = @u", u, ct);
            var devices = await Run(c, tx, "DELETE FROM devices WHERE environment_id = @env AND user_id = @u", u, ct);
            var outbox = await Run(c, tx, "DELETE FROM outbox WHERE recipient_id = @u AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = outbox.delivery_id AND d.environment_id <> @env)", u, ct);
            var endpoints = await Run(c, tx, "DELETE FROM webhook_endpoints WHERE environment_id = @env AND recipient_id = @u", u, ct);
            var subscriptions = await Run(c, tx, "DELETE FROM topic_subscribers WHERE environment_id = @env AND user_id = @u", u, ct)
                + await Run(c, tx, "DELETE FROM campaign_recipients WHERE user_id = @u AND campaign_id IN (SELECT id FROM campaigns WHERE environment_id = @env)", u, ct);
            // The digests' row locks order this with an append or a close of the same digest (see PostgresDigestStore.AppendDigestsAsync).
            var items = await Run(c, tx, "UPDATE digest_items SET data = '{}' WHERE digest_id IN (SELECT id FROM digests WHERE environment_id = @env AND recipient_id = @u FOR UPDATE)", u, ct);
            await Run(c, tx, "UPDATE digests SET recipient_id = @p, group_key = '', status = CASE WHEN status = 'open' THEN 'erased' ELSE status END WHERE environment_id = @env AND recipient_id = @u", u, ct);
            var profile = await Run(c, tx, "DELETE FROM users WHERE environment_id = @env AND user_id = @u", u, ct) > 0;
            return new ErasureSummary(profile, devices, feed, notifications, deliveries, cancelled + cancelledNotifications, outbox, endpoints, events, subscriptions, items);
        }, ct);

    /// <summary>Who an erasure is of, and what replaces them: the parameters its statements bind (those each one names).</summary>
    private sealed record ErasedUser(string EnvironmentId, string UserId, string Pseudonym, long Now);

    private static async Task<int> Run(NpgsqlConnection c, NpgsqlTransaction tx, string sql, ErasedUser user, CancellationToken ct)
    {
        await using var command = c.Command(sql, tx);
        if (sql.Contains("@env", StringComparison.Ordinal))
        {
            command.With("env", user.EnvironmentId);
        }

        if (sql.Contains("@u", StringComparison.Ordinal))
        {
            command.With("u", user.UserId);
        }

        if (sql.Contains("@p", StringComparison.Ordinal))
        {
            command.With("p", user.Pseudonym);
        }

        if (sql.Contains("@t", StringComparison.Ordinal))
        {
            command.With("t", user.Now);
        }

        return await command.ExecuteNonQueryAsync(ct);
    }
}
