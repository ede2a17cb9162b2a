using System.Globalization;
using Herald.Core.Campaigns;
using Herald.Core.Domain;
using Microsoft.Data.Sqlite;
using static Herald.Storage.Sqlite.SqliteRows;

namespace Herald.Storage.Sqlite;

/// <summary>Topics and their subscribers, campaigns and their release in chunks.</summary>
internal sealed class SqliteCampaignStore(SqliteDatabase db) : ICampaignStore
{
    public Task<bool> SubscribeAsync(string environmentId, string topic, string userId, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("INSERT OR IGNORE INTO topic_subscribers(environment_id, topic, user_id, created_at) VALUES ($env, $t, $u, $now)", tx)
            .With("$env", environmentId).With("$t", topic).With("$u", userId).With("$now", now.Ms()).NonQuery() > 0, ct);

    public Task<bool> UnsubscribeAsync(string environmentId, string topic, string userId, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("DELETE FROM topic_subscribers WHERE environment_id = $env AND topic = $t AND user_id = $u", tx)
            .With("$env", environmentId).With("$t", topic).With("$u", userId).NonQuery() > 0, ct);

    public async Task<IReadOnlyList<string>> ListSubscribersAsync(string environmentId, string topic, string? afterUserId, int limit, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command("SELECT user_id FROM topic_subscribers WHERE environment_id = $env AND topic = $t AND user_id > $a ORDER BY user_id LIMIT $n")
            .With("$env", environmentId).With("$t", topic).With("$a", afterUserId ?? "").With("$n", limit).ReadAllAsync(r => r.GetString(0), ct);
    }

    public Task<bool> CreateCampaignAsync(Campaign campaign, IReadOnlyList<string>? recipients, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) =>
        {
            var created = c.Command("""
                INSERT OR IGNORE INTO campaigns(id, environment_id, kind, name, topic, request, scheduled_at, local_time, rate, status, cursor, released, exhausted, created_at, updated_at)
                VALUES ($id, $env, $k, $n, $t, $r, $s, $l, $rate, $st, NULL, 0, 0, $now, $now)
                """, tx).With("$id", campaign.Id).With("$env", campaign.EnvironmentId).With("$k", campaign.Kind).With("$n", campaign.Name).With("$t", campaign.Topic)
                .With("$r", CampaignRows.RequestJson(campaign)).With("$s", campaign.StartAt.Ms()).With("$l", campaign.Schedule.LocalSpec).With("$rate", campaign.Rate)
                .With("$st", campaign.Status).With("$now", campaign.CreatedAt.Ms()).NonQuery() > 0;
            if (created && recipients is not null)
            {
                InsertRecipients(c, tx, campaign.Id, recipients);
            }

            return created;
        }, ct);

    public Task<int?> AddRecipientsAsync(string environmentId, string campaignId, IReadOnlyList<string> recipients, CancellationToken ct) =>
        db.WriteAsync<int?>((c, tx) =>
        {
            var open = c.Command($"""
                SELECT 1 FROM campaigns
                WHERE id = $id AND environment_id = $env AND kind = 'campaign' AND topic IS NULL AND cursor IS NULL AND status IN {CampaignStatus.Sql.NotStarted}
                """, tx).With("$id", campaignId).With("$env", environmentId).Scalar();
            return open is null ? null : InsertRecipients(c, tx, campaignId, recipients);
        }, ct);

    private static int InsertRecipients(SqliteConnection c, SqliteTransaction tx, string campaignId, IReadOnlyList<string> recipients)
    {
        using var insert = c.Command("INSERT OR IGNORE INTO campaign_recipients(campaign_id, user_id) VALUES ($c, $u)", tx);
        insert.Parameters.AddWithValue("$c", campaignId);
        var user = insert.Parameters.Add("$u", SqliteType.Text);
        var added = 0;
        foreach (var r in recipients)
        {
            user.Value = r;
            added += insert.ExecuteNonQuery();
        }

        return added;
    }

    public async Task<Campaign?> GetCampaignAsync(string environmentId, string id, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return (await c.Command($"SELECT {CampaignRow.Columns} FROM campaigns WHERE id = $id AND environment_id = $env").With("$id", id).With("$env", environmentId).ReadAllAsync(CampaignRow.Map, ct)).FirstOrDefault();
    }

    public async Task<CampaignProgress> GetProgressAsync(Campaign campaign, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        await using var c = await db.OpenReadAsync(ct);
        var byStatus = (await c.Command("SELECT status, count(*) FROM notifications WHERE campaign_id = $c GROUP BY status").With("$c", campaign.Id)
            .ReadAllAsync(r => (Status: r.GetString(0), Count: r.GetInt64(1)), ct)).ToDictionary(x => x.Status, x => x.Count, StringComparer.Ordinal);
        var d = (await c.Command($"""
            SELECT count(*) FILTER (WHERE d.sent_at IS NOT NULL), count(*) FILTER (WHERE d.delivered_at IS NOT NULL),
                   count(*) FILTER (WHERE d.status IN {DeliveryStatus.Sql.Undeliverable}), count(*) FILTER (WHERE d.status = 'suppressed'),
                   count(*) FILTER (WHERE d.status = 'deferred'), count(*) FILTER (WHERE d.status = 'cancelled'), count(*) FILTER (WHERE d.status = 'expired')
            FROM notifications n JOIN deliveries d ON d.notification_id = n.id WHERE n.campaign_id = $c
            """).With("$c", campaign.Id).ReadAllAsync(r => new long[] { r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6) }, ct))[0];
        var remaining = campaign.Exhausted || campaign.Status == CampaignStatus.Cancelled ? 0L : Convert.ToInt64(await (campaign.Topic is not null
            ? c.Command("SELECT count(*) FROM topic_subscribers WHERE environment_id = $env AND topic = $t AND user_id > $a")
                .With("$env", CampaignAudience.EnvironmentOf(campaign)).With("$t", campaign.Topic)
            : c.Command("SELECT count(*) FROM campaign_recipients WHERE campaign_id = $t AND user_id > $a").With("$t", campaign.Id))
            .With("$a", campaign.Cursor ?? "").ScalarAsync(ct), CultureInfo.InvariantCulture);
        return CampaignRows.Progress(campaign, byStatus, d, remaining);
    }

    public Task<Campaign?> ClaimReleaseAsync(DateTimeOffset now, DateTimeOffset leaseUntil, string owner, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command($"""
            UPDATE campaigns SET lease_owner = $o, lease_until = $lu, status = 'releasing', updated_at = $now
            WHERE id = (SELECT id FROM campaigns WHERE status IN {CampaignStatus.Sql.Releasable} AND scheduled_at <= $now AND (lease_until IS NULL OR lease_until < $now OR lease_owner = $o)
                        ORDER BY scheduled_at LIMIT 1)
            RETURNING {CampaignRow.Columns}
            """, tx).With("$o", owner).With("$lu", leaseUntil.Ms()).With("$now", now.Ms()).ReadAll(CampaignRow.Map).FirstOrDefault(), ct);

    public async Task<IReadOnlyList<AudienceMember>> ReadAudienceAsync(Campaign campaign, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        await using var c = await db.OpenReadAsync(ct);
        var sql = campaign.Topic is not null
            ? """
              SELECT s.user_id, u.timezone FROM topic_subscribers s LEFT JOIN users u ON u.environment_id = s.environment_id AND u.user_id = s.user_id
              WHERE s.environment_id = $env AND s.topic = $k AND s.user_id > $a ORDER BY s.user_id LIMIT $n
              """
            : """
              SELECT s.user_id, u.timezone FROM campaign_recipients s LEFT JOIN users u ON u.environment_id = $env AND u.user_id = s.user_id
              WHERE s.campaign_id = $k AND s.user_id > $a ORDER BY s.user_id LIMIT $n
              """;
        return await c.Command(sql).With("$env", CampaignAudience.EnvironmentOf(campaign)).With("$k", campaign.Topic ?? campaign.Id).With("$a", campaign.Cursor ?? "").With("$n", limit)
            .ReadAllAsync(r => new AudienceMember(r.GetString(0), r.StringOrNull(1)), ct);
    }

    public Task<bool> ReleaseChunkAsync(string campaignId, string owner, string? expectedCursor, string? newCursor, bool exhausted, IReadOnlyList<Notification> notifications,
        DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken ct) =>
        db.WriteAsync((c, tx) =>
        {
            var moved = c.Command($"""
                UPDATE campaigns SET cursor = $new, released = released + $k, exhausted = $x, lease_until = CASE WHEN $x THEN NULL ELSE $lu END,
                    status = CASE WHEN $x THEN 'released' ELSE 'releasing' END, updated_at = $now
                WHERE id = $id AND status IN {CampaignStatus.Sql.Releasable} AND lease_owner = $o AND cursor IS $old
                """, tx).With("$new", newCursor).With("$k", notifications.Count).With("$x", exhausted).With("$lu", leaseUntil.Ms()).With("$now", now.Ms())
                .With("$id", campaignId).With("$o", owner).With("$old", expectedCursor).NonQuery();
            if (moved == 0)
            {
                return false;
            }

            InsertNotifications(c, tx, notifications, now);
            return true;
        }, ct);

    public Task<bool> PauseAsync(string environmentId, string campaignId, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) =>
        {
            if (c.Command($"""
                UPDATE campaigns SET status = 'paused', lease_owner = NULL, lease_until = NULL, updated_at = $now
                WHERE id = $id AND environment_id = $env AND status IN {CampaignStatus.Sql.Pausable}
                """, tx).With("$id", campaignId).With("$env", environmentId).With("$now", now.Ms()).NonQuery() == 0)
            {
                return false;
            }

            c.Command($"UPDATE notifications SET status = 'paused', updated_at = $now WHERE campaign_id = $id AND status IN {NotificationStatus.Sql.Plannable}", tx)
                .With("$id", campaignId).With("$now", now.Ms()).NonQuery();
            return true;
        }, ct);

    public Task<bool> ResumeAsync(string environmentId, string campaignId, TimeSpan interval, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx) =>
        {
            if (c.Command("""
                UPDATE campaigns SET status = CASE WHEN exhausted THEN 'released' WHEN cursor IS NULL AND released = 0 THEN 'scheduled' ELSE 'releasing' END, updated_at = $now
                WHERE id = $id AND environment_id = $env AND status = 'paused'
                """, tx).With("$id", campaignId).With("$env", environmentId).With("$now", now.Ms()).NonQuery() == 0)
            {
                return false;
            }

            // Held notifications are due again in their old order, one per interval from now, and never earlier than before.
            c.Command("""
                WITH r AS (SELECT id, row_number() OVER (ORDER BY due_at, id) - 1 AS rn FROM notifications WHERE campaign_id = $id AND status = 'paused')
                UPDATE notifications SET status = 'scheduled', updated_at = $now, due_at = max(notifications.due_at, $now + CAST(r.rn * $slot AS INTEGER))
                FROM r WHERE notifications.id = r.id
                """, tx).With("$id", campaignId).With("$now", now.Ms()).With("$slot", interval.TotalMilliseconds).NonQuery();
            return true;
        }, ct);

    public Task<int?> CancelAsync(string environmentId, string campaignId, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync<int?>((c, tx) =>
        {
            if (c.Command("UPDATE campaigns SET status = 'cancelled', lease_owner = NULL, lease_until = NULL, updated_at = $now WHERE id = $id AND environment_id = $env AND status <> 'cancelled'", tx)
                .With("$id", campaignId).With("$env", environmentId).With("$now", now.Ms()).NonQuery() == 0)
            {
                return null;
            }

            var notifications = c.Command($"UPDATE notifications SET status = 'cancelled', lease_until = NULL, updated_at = $now WHERE campaign_id = $id AND status IN {NotificationStatus.Sql.UnplannedOrPaused}", tx)
                .With("$id", campaignId).With("$now", now.Ms()).NonQuery();
            var touched = c.Command($"""
                UPDATE deliveries SET status = 'cancelled', updated_at = $now
                WHERE status IN {DeliveryStatus.Sql.Waiting} AND notification_id IN (SELECT id FROM notifications WHERE campaign_id = $id)
                RETURNING notification_id
                """, tx).With("$id", campaignId).With("$now", now.Ms()).ReadAll(r => r.GetString(0)).Distinct(StringComparer.Ordinal).ToList();
            foreach (var n in touched)
            {
                RefreshNotificationStatus(c, tx, n, now);
            }

            return notifications + touched.Count;
        }, ct);
}
