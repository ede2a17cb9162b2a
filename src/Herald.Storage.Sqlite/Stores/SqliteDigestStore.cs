using Herald.Core.Digests;
using Herald.Core.Domain;
using Microsoft.Data.Sqlite;
using static Herald.Storage.Sqlite.SqliteRows;

namespace Herald.Storage.Sqlite;

/// <summary>Digest rules, and the digests they open, fill and close (also from planning and the gate's fold, in their transactions); both per environment.</summary>
internal sealed class SqliteDigestStore(SqliteDatabase db) : IDigestStore
{
    public Task UpsertRuleAsync(string environmentId, DigestRule rule, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("""
            INSERT INTO digest_rules(environment_id, event_type, window_ms, max_items, group_by, template_id, fold_rate_limited, batch, updated_at)
            VALUES ($env, $e, $w, $m, $g, $t, $f, $b, $now)
            ON CONFLICT(environment_id, event_type) DO UPDATE SET window_ms = $w, max_items = $m, group_by = $g, template_id = $t, fold_rate_limited = $f, batch = $b, updated_at = $now
            """, tx).With("$env", environmentId).With("$e", rule.EventType).With("$w", (long)rule.Window.TotalMilliseconds).With("$m", rule.MaxItems).With("$b", rule.Batch)
            .With("$g", rule.GroupBy).With("$t", rule.TemplateId).With("$f", rule.FoldRateLimited).With("$now", now.Ms()).NonQuery(), ct);

    public async Task<IReadOnlyList<DigestRule>> ListRulesAsync(string environmentId, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command("""
            SELECT event_type, window_ms, max_items, group_by, template_id, fold_rate_limited, batch FROM digest_rules WHERE environment_id = $env ORDER BY event_type
            """).With("$env", environmentId)
            .ReadAllAsync(r => new DigestRule(r.GetString(0), TimeSpan.FromMilliseconds(r.GetInt64(1)), r.GetInt32(2), r.StringOrNull(3), r.GetString(4),
                r.GetInt64(5) != 0, r.GetInt64(6) != 0), ct);
    }

    public Task<bool> DeleteRuleAsync(string environmentId, string eventType, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("DELETE FROM digest_rules WHERE environment_id = $env AND event_type = $e", tx)
            .With("$env", environmentId).With("$e", eventType).NonQuery() > 0, ct);

    public Task<int> CloseDueDigestsAsync(DateTimeOffset now, int limit, CancellationToken ct) =>
        db.WriteAsync((c, tx) =>
        {
            var due = c.Command("SELECT id FROM digests WHERE status = 'open' AND close_at <= $now ORDER BY close_at LIMIT $n", tx)
                .With("$now", now.Ms()).With("$n", limit).ReadAll(r => r.GetString(0));
            return due.Count(id => CloseDigest(c, tx, id, now));
        }, ct);

    /// <summary>
    /// Appends one item to the open digest of its (environment, recipient, event type, kind, key), opening one when there is none or the
    /// open one is full; closes it when the item fills it. Runs inside the caller's write transaction (the single writer,
    /// so appends and closes of one digest can never interleave).
    /// </summary>
    internal static void Append(SqliteConnection c, SqliteTransaction tx, DigestAppend a, DateTimeOffset now)
    {
        var open = c.Command("""
            SELECT id, item_count, max_items FROM digests
            WHERE environment_id = $env AND recipient_id = $r AND event_type = $e AND kind = $k AND group_key = $g AND status = 'open'
            """, tx).With("$env", a.EnvironmentId).With("$r", a.RecipientId).With("$e", a.EventType).With("$k", a.Kind).With("$g", a.GroupKey)
            .ReadAll(r => (Id: r.GetString(0), Count: r.GetInt32(1), Max: r.GetInt32(2))).FirstOrDefault();
        if (open.Id is not null && open.Count >= open.Max)
        {
            CloseDigest(c, tx, open.Id, now);
            open = default;
        }

        var id = open.Id;
        if (id is null)
        {
            id = Core.Pipeline.Ids.New("dgs", now);
            c.Command("""
                INSERT INTO digests(id, environment_id, recipient_id, event_type, kind, group_key, status, opened_at, close_at, item_count, max_items, template_id, channels)
                VALUES ($id, $env, $r, $e, $k, $g, 'open', $now, $close, 0, $max, $t, $ch)
                """, tx).With("$id", id).With("$env", a.EnvironmentId).With("$r", a.RecipientId).With("$e", a.EventType).With("$k", a.Kind).With("$g", a.GroupKey).With("$now", now.Ms())
                .With("$close", a.CloseAt.Ms()).With("$max", a.MaxItems).With("$t", a.TemplateId).With("$ch", ChannelListColumn.Format(a.Channels)).NonQuery();
        }

        if (c.Command("INSERT OR IGNORE INTO digest_items(digest_id, notification_id, delivery_id, data, at) VALUES ($d, $n, $dl, $data, $now)", tx)
            .With("$d", id).With("$n", a.NotificationId).With("$dl", a.DeliveryId).With("$data", a.Data).With("$now", now.Ms()).NonQuery() == 0)
        {
            return;
        }

        var count = Convert.ToInt32(c.Command("UPDATE digests SET item_count = item_count + 1 WHERE id = $id RETURNING item_count", tx).With("$id", id).Scalar(),
            System.Globalization.CultureInfo.InvariantCulture);
        if (count >= a.MaxItems)
        {
            CloseDigest(c, tx, id, now);
        }
    }

    /// <summary>Flips an open digest to closed and inserts its one notification; false when it was not open any more.</summary>
    private static bool CloseDigest(SqliteConnection c, SqliteTransaction tx, string id, DateTimeOffset now)
    {
        var row = c.Command("""
            UPDATE digests SET status = 'closed', closed_at = $now WHERE id = $id AND status = 'open'
            RETURNING recipient_id, event_type, kind, group_key, template_id, channels, environment_id
            """, tx).With("$id", id).With("$now", now.Ms())
            .ReadAll(r => (Recipient: r.GetString(0), EventType: r.GetString(1), Kind: r.GetString(2), Key: r.GetString(3), Template: r.GetString(4), Channels: r.StringOrNull(5),
                Environment: r.GetString(6)))
            .FirstOrDefault();
        if (row.Recipient is null)
        {
            return false;
        }

        var items = c.Command("SELECT notification_id, data, at FROM digest_items WHERE digest_id = $id ORDER BY at, rowid", tx).With("$id", id)
            .ReadAll(r => (r.GetString(0), r.GetString(1), r.Time(2)));
        var digest = new ClosingDigest(id, row.Recipient, row.EventType, row.Kind, row.Key, row.Template, ChannelListColumn.Parse(row.Channels), items, row.Environment);
        var notification = DigestNotifications.Build(digest, now);
        using (var insert = NotificationInsert(c, tx))
        {
            BindNotification(insert, notification, now);
            insert.ExecuteNonQuery();
        }

        c.Command("UPDATE digests SET notification_id = $n WHERE id = $id", tx).With("$n", notification.Id).With("$id", id).NonQuery();
        Trace(c, tx, new TraceEntry(notification.Id, now, "digest", null, "created", $"digest of {items.Count} {row.EventType} notifications" + (row.Key.Length == 0 ? "" : $" for {row.Key}")));
        foreach (var (notificationId, _, _) in items)
        {
            Trace(c, tx, new TraceEntry(notificationId, now, "digest", null, "digested", $"sent in digest notification {notification.Id} with {items.Count} items"));
        }

        return true;
    }
}
