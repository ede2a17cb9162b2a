using Herald.Core.Domain;
using Herald.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>
/// The writes several store families make inside their own transactions: trace entries, delivery and notification
/// inserts, a notification's status after its deliveries moved, a suppression and a planned fallback. Kept here once so
/// each family's transaction stays in one method of its own class.
/// </summary>
internal static class SqliteRows
{
    public static SqliteCommand TraceInsert(SqliteConnection c, SqliteTransaction tx, TraceEntry t) =>
        c.Command("INSERT INTO trace(notification_id, at, stage, channel, decision, reason) VALUES ($n, $at, $s, $c, $d, $r)", tx)
            .With("$n", t.NotificationId).With("$at", t.At.Ms()).With("$s", t.Stage).With("$c", t.Channel).With("$d", t.Decision).With("$r", t.Reason);

    public static void Trace(SqliteConnection c, SqliteTransaction tx, TraceEntry t)
    {
        using var cmd = TraceInsert(c, tx, t);
        cmd.ExecuteNonQuery();
    }

    private const string TraceManySql = """
        INSERT INTO trace(notification_id, at, stage, channel, decision, reason)
        SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5 FROM json_each($rows) ORDER BY key
        """;

    /// <summary>
    /// Inserts <paramref name="entries"/> in their order with one statement (a JSON array through <c>json_each</c>, one
    /// prepared statement whatever the count), then clears the list. Callers collect a batch's entries and flush before
    /// anything else writes trace for the same notifications, so each notification's entries keep their order.
    /// </summary>
    public static void TraceAll(SqliteConnection c, SqliteTransaction tx, List<TraceEntry> entries)
    {
        if (entries.Count == 1)
        {
            Trace(c, tx, entries[0]);
        }
        else if (entries.Count > 1)
        {
            var rows = JsonRows.Of(entries, static (json, t) =>
            {
                json.Text(t.NotificationId);
                json.WriteNumberValue(t.At.Ms());
                json.Text(t.Stage);
                json.Text(t.Channel);
                json.Text(t.Decision);
                json.Text(t.Reason);
            }, entries.Count * 128);
            c.Command(TraceManySql, tx).With("$rows", rows).NonQuery();
        }

        entries.Clear();
    }

    public static SqliteCommand DeliveryInsert(SqliteConnection c, SqliteTransaction tx, bool orIgnore = false) =>
        c.Command($"""
            INSERT {(orIgnore ? "OR IGNORE " : "")}INTO deliveries(id, notification_id, recipient_id, event_type, channel, priority, target, target_ref, provider, status,
                attempts, last_error, content, content_hash, due_at, created_at, updated_at, platform, trace_parent, expires_at, condition, dedup_ms, environment_id)
            VALUES ($id, $n, $r, $e, $c, $p, $t, $tr, $prov, $s, 0, $err, $content, $hash, $due, $ca, $ca, $plat, $tp, $exp, $cond, $dd, $env)
            """, tx);

    /// <summary>
    /// Inserts the deliveries in their order, one prepared statement per row. Deliberately not one <c>json_each</c>
    /// statement for many, as the narrower rows are: for rows this wide SQLite's JSON extraction cost more per row than
    /// binding (measured 2026-12-07: docs/architecture.md, "The two-phase gate", SQLite's part).
    /// </summary>
    public static void InsertDeliveries(SqliteConnection c, SqliteTransaction tx, IReadOnlyList<Delivery> deliveries, bool orIgnore = false)
    {
        if (deliveries.Count == 0)
        {
            return;
        }

        using var insert = DeliveryInsert(c, tx, orIgnore);
        foreach (var d in deliveries)
        {
            BindDelivery(insert, d);
            insert.ExecuteNonQuery();
        }
    }

    public static void BindDelivery(SqliteCommand cmd, Delivery d)
    {
        cmd.Parameters.Clear();
        cmd.With("$id", d.Id).With("$n", d.NotificationId).With("$r", d.RecipientId).With("$e", d.EventType).With("$c", (int)d.Channel)
            .With("$p", (int)d.Priority).With("$t", d.Target).With("$tr", d.TargetRef).With("$prov", d.Provider).With("$s", d.Status)
            .With("$err", d.LastError).With("$content", d.Content).With("$hash", d.ContentHash).With("$due", d.DueAt.Ms()).With("$ca", d.CreatedAt.Ms()).With("$plat", d.Platform)
            .With("$tp", d.TraceParent).With("$exp", d.ExpiresAt.Ms()).With("$cond", d.Condition)
            .With("$dd", d.DedupWindow is { } dedup ? (long)dedup.TotalMilliseconds : null).With("$env", d.EnvironmentId);
    }

    /// <summary><see cref="RefreshNotificationStatus"/> for many notifications in one statement.</summary>
    public static void RefreshNotificationStatuses(SqliteConnection c, SqliteTransaction tx, IReadOnlyCollection<string> notificationIds, DateTimeOffset now)
    {
        if (notificationIds.Count <= 1)
        {
            foreach (var id in notificationIds)
            {
                RefreshNotificationStatus(c, tx, id, now);
            }

            return;
        }

        // Ids come from the store's own rows (never a lone surrogate), so they always travel as JSON.
        c.Command($"""
            UPDATE notifications SET updated_at = $now, status = CASE
                WHEN EXISTS (SELECT 1 FROM deliveries WHERE notification_id = notifications.id AND status IN {DeliveryStatus.Sql.Pending}) THEN 'processing'
                ELSE 'completed' END
            WHERE id IN (SELECT value FROM json_each($ids)) AND status IN {NotificationStatus.Sql.Planned}
            """, tx).With("$ids", JsonRows.Strings(notificationIds)).With("$now", now.Ms()).NonQuery();
    }

    public static void RefreshNotificationStatus(SqliteConnection c, SqliteTransaction tx, string notificationId, DateTimeOffset now) =>
        c.Command($"""
            UPDATE notifications SET updated_at = $now, status = CASE
                WHEN EXISTS (SELECT 1 FROM deliveries WHERE notification_id = $id AND status IN {DeliveryStatus.Sql.Pending}) THEN 'processing'
                ELSE 'completed' END
            WHERE id = $id AND status IN {NotificationStatus.Sql.Planned}
            """, tx).With("$id", notificationId).With("$now", now.Ms()).NonQuery();

    public static SqliteCommand NotificationInsert(SqliteConnection c, SqliteTransaction tx) =>
        c.Command("""
            INSERT INTO notifications(id, event_type, recipient_id, priority, status, template_id, template_version, channels, data,
                idempotency_key, batch_id, due_at, created_at, updated_at, trace_parent, options, campaign_id, environment_id)
            VALUES ($id, $et, $r, $p, $s, $tid, $tv, $ch, $d, $ik, $b, $due, $ca, $ca, $tp, $opt, $cmp, $env)
            """, tx);

    /// <summary>Inserts the notifications in their order, one prepared statement per row (see <see cref="InsertDeliveries"/> for why).</summary>
    public static void InsertNotifications(SqliteConnection c, SqliteTransaction tx, IReadOnlyList<Notification> notifications, DateTimeOffset now)
    {
        if (notifications.Count == 0)
        {
            return;
        }

        using var insert = NotificationInsert(c, tx);
        foreach (var n in notifications)
        {
            BindNotification(insert, n, now);
            insert.ExecuteNonQuery();
        }
    }

    public static void BindNotification(SqliteCommand cmd, Notification n, DateTimeOffset now)
    {
        cmd.Parameters.Clear();
        cmd.With("$id", n.Id).With("$et", n.EventType).With("$r", n.RecipientId).With("$p", (int)n.Priority).With("$s", n.Status)
            .With("$tid", n.TemplateId).With("$tv", n.TemplateVersion)
            .With("$ch", ChannelListColumn.Format(n.Channels))
            .With("$d", n.Data).With("$ik", n.IdempotencyKey).With("$b", n.BatchId).With("$due", n.DueAt.Ms()).With("$ca", now.Ms())
            .With("$tp", n.TraceParent).With("$opt", StoreJson.OptionsJson(n.Options)).With("$cmp", n.CampaignId).With("$env", n.EnvironmentId);
    }

    /// <summary>Adds the suppression; one in <see cref="Environments.Every"/> adds a row in each environment.</summary>
    public static void AddSuppression(SqliteConnection c, SqliteTransaction tx, Suppression s) =>
        c.Command("""
            INSERT INTO suppressions(environment_id, channel, address, reason, source, created_at)
            SELECT $env, $c, $a, $r, $s, $t WHERE $env <> '*'
            UNION ALL SELECT id, $c, $a, $r, $s, $t FROM environments WHERE $env = '*'
            ON CONFLICT(environment_id, channel, address) DO NOTHING
            """, tx).With("$env", s.EnvironmentId).With("$c", (int)s.Channel).With("$a", s.Address).With("$r", s.Reason).With("$s", s.Source).With("$t", s.CreatedAt.Ms()).NonQuery();

    // A fallback is blocked when its channel has a delivery already, or the first channel has sent or may still send.
    private const string Blocked = """
        SELECT EXISTS (SELECT 1 FROM deliveries WHERE notification_id = $n AND channel = $to)
            OR EXISTS (SELECT 1 FROM deliveries WHERE notification_id = $n AND channel = $from AND status IN
        """;

    // The statuses of FallbackPlan.Blockers per trigger, as constants (a settlement with a fallback builds no SQL).
    private const string EndedBlocked = Blocked + " " + DeliveryStatus.Sql.SentOrMaySend + ")";
    private const string DeadlineBlocked = Blocked + " " + DeliveryStatus.Sql.SentOrBeyond + ")";

    /// <summary>
    /// Adds a planned fallback if its condition holds in this transaction (see <see cref="FallbackPlan"/>); true when added.
    /// The single writer makes the check and the insert one step against every other settlement.
    /// </summary>
    public static bool AddFallback(SqliteConnection c, SqliteTransaction tx, FallbackPlan f)
    {
        var blocked = c.Command(f.Trigger == FallbackTrigger.Ended ? EndedBlocked : DeadlineBlocked, tx).With("$n", f.NotificationId).With("$to", (int)f.To).With("$from", (int)f.From).Scalar() is long v && v != 0;
        if (blocked)
        {
            return false;
        }

        InsertDeliveries(c, tx, f.Deliveries, orIgnore: true);
        foreach (var t in f.Trace)
        {
            Trace(c, tx, t);
        }

        return true;
    }
}
