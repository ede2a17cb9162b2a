using Herald.Core.Campaigns;
using Herald.Core.Domain;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>Topics and their subscribers, and campaigns released to their audience in chunks.</summary>
internal sealed class PostgresCampaignStore(PostgresDatabase db) : ICampaignStore
{
    public Task<bool> SubscribeAsync(string environmentId, string topic, string userId, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) => await c.Command("""
            INSERT INTO topic_subscribers(environment_id, topic, user_id, created_at) VALUES (@env, @t, @u, @now) ON CONFLICT DO NOTHING
            """, tx).With("env", environmentId).With("t", topic).With("u", userId).With("now", now.Ms()).ExecuteNonQueryAsync(ct) > 0, ct);

    public Task<bool> UnsubscribeAsync(string environmentId, string topic, string userId, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) => await c.Command("DELETE FROM topic_subscribers WHERE environment_id = @env AND topic = @t AND user_id = @u", tx)
            .With("env", environmentId).With("t", topic).With("u", userId)
            .ExecuteNonQueryAsync(ct) > 0, ct);

    public async Task<IReadOnlyList<string>> ListSubscribersAsync(string environmentId, string topic, string? afterUserId, int limit, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.Command("SELECT user_id FROM topic_subscribers WHERE environment_id = @env AND topic = @t AND user_id > @a ORDER BY user_id LIMIT @n")
            .With("env", environmentId).With("t", topic).With("a", afterUserId ?? "").With("n", limit).ReadAllAsync(r => r.GetString(0), ct);
    }

    public Task<bool> CreateCampaignAsync(Campaign campaign, IReadOnlyList<string>? recipients, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        return db.WriteAsync(async (c, tx) =>
        {
            var created = await c.Command("""
                INSERT INTO campaigns(id, environment_id, kind, name, topic, request, scheduled_at, local_time, rate, status, cursor, released, exhausted, created_at, updated_at)
                VALUES (@id, @env, @k, @n, @t, @r, @s, @l, @rate, @st, NULL, 0, false, @now, @now) ON CONFLICT (id) DO NOTHING
                """, tx).With("id", campaign.Id).With("env", campaign.EnvironmentId).With("k", campaign.Kind).With("n", campaign.Name).With("t", campaign.Topic)
                .With("r", CampaignRows.RequestJson(campaign)).With("s", campaign.StartAt.Ms()).With("l", campaign.Schedule.LocalSpec).With("rate", campaign.Rate)
                .With("st", campaign.Status).With("now", campaign.CreatedAt.Ms()).ExecuteNonQueryAsync(ct) > 0;
            if (created && recipients is not null)
            {
                await InsertRecipientsAsync(c, tx, campaign.Id, recipients, ct);
            }

            return created;
        }, ct);
    }

    public Task<int?> AddRecipientsAsync(string environmentId, string campaignId, IReadOnlyList<string> recipients, CancellationToken ct) =>
        db.WriteAsync<int?>(async (c, tx) =>
        {
            // The row lock orders this with a releaser's first chunk: once the cursor moved, the audience is fixed.
            var open = await c.Command($"""
                SELECT 1 FROM campaigns
                WHERE id = @id AND environment_id = @env AND kind = 'campaign' AND topic IS NULL AND cursor IS NULL AND status IN {CampaignStatus.Sql.NotStarted} FOR UPDATE
                """, tx).With("id", campaignId).With("env", environmentId).ExecuteScalarAsync(ct);
            return open is null ? null : await InsertRecipientsAsync(c, tx, campaignId, recipients, ct);
        }, ct);

    private static async Task<int> InsertRecipientsAsync(NpgsqlConnection c, NpgsqlTransaction tx, string campaignId, IReadOnlyList<string> recipients, CancellationToken ct) =>
        await c.Command("""
            INSERT INTO campaign_recipients(campaign_id, user_id) SELECT @c, u FROM unnest(@u::text[]) AS x(u) ON CONFLICT DO NOTHING
            """, tx).With("c", campaignId).With("u", recipients.ToArray()).ExecuteNonQueryAsync(ct);

    public async Task<Campaign?> GetCampaignAsync(string environmentId, string id, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.Command($"SELECT {CampaignRow.Columns} FROM campaigns WHERE id = @id AND environment_id = @env").With("id", id).With("env", environmentId).ReadAllAsync(CampaignRow.Map, ct)).FirstOrDefault();
    }

    public async Task<CampaignProgress> GetProgressAsync(Campaign campaign, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        await using var c = await db.OpenAsync(ct);
        var byStatus = (await c.Command("SELECT status, count(*) FROM notifications WHERE campaign_id = @c GROUP BY status").With("c", campaign.Id)
            .ReadAllAsync(r => (Status: r.GetString(0), Count: r.GetInt64(1)), ct)).ToDictionary(x => x.Status, x => x.Count, StringComparer.Ordinal);
        var d = (await c.Command($"""
            SELECT count(*) FILTER (WHERE d.sent_at IS NOT NULL), count(*) FILTER (WHERE d.delivered_at IS NOT NULL),
                   count(*) FILTER (WHERE d.status IN {DeliveryStatus.Sql.Undeliverable}), count(*) FILTER (WHERE d.status = 'suppressed'),
                   count(*) FILTER (WHERE d.status = 'deferred'), count(*) FILTER (WHERE d.status = 'cancelled'), count(*) FILTER (WHERE d.status = 'expired')
            FROM notifications n JOIN deliveries d ON d.notification_id = n.id WHERE n.campaign_id = @c
            """).With("c", campaign.Id).ReadAllAsync(r => new long[] { r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6) }, ct))[0];
        var remaining = campaign.Exhausted || campaign.Status == CampaignStatus.Cancelled ? 0L : (long)(await (campaign.Topic is not null
            ? c.Command("SELECT count(*) FROM topic_subscribers WHERE environment_id = @env AND topic = @t AND user_id > @a")
                .With("env", CampaignAudience.EnvironmentOf(campaign)).With("t", campaign.Topic)
            : c.Command("SELECT count(*) FROM campaign_recipients WHERE campaign_id = @t AND user_id > @a").With("t", campaign.Id))
            .With("a", campaign.Cursor ?? "").ExecuteScalarAsync(ct))!;
        return CampaignRows.Progress(campaign, byStatus, d, remaining);
    }

    public Task<Campaign?> ClaimReleaseAsync(DateTimeOffset now, DateTimeOffset leaseUntil, string owner, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) => (await c.Command($"""
            UPDATE campaigns SET lease_owner = @o, lease_until = @lu, status = 'releasing', updated_at = @now
            WHERE id = (SELECT id FROM campaigns WHERE status IN {CampaignStatus.Sql.Releasable} AND scheduled_at <= @now
                          AND (lease_until IS NULL OR lease_until < @now OR lease_owner = @o)
                        ORDER BY scheduled_at LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING {CampaignRow.Columns}
            """, tx).With("o", owner).With("lu", leaseUntil.Ms()).With("now", now.Ms()).ReadAllAsync(CampaignRow.Map, ct)).FirstOrDefault(), ct);

    public async Task<IReadOnlyList<AudienceMember>> ReadAudienceAsync(Campaign campaign, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        await using var c = await db.OpenAsync(ct);
        var sql = campaign.Topic is not null
            ? """
              SELECT s.user_id, u.timezone FROM topic_subscribers s LEFT JOIN users u ON u.environment_id = s.environment_id AND u.user_id = s.user_id
              WHERE s.environment_id = @env AND s.topic = @k AND s.user_id > @a ORDER BY s.user_id LIMIT @n
              """
            : """
              SELECT s.user_id, u.timezone FROM campaign_recipients s LEFT JOIN users u ON u.environment_id = @env AND u.user_id = s.user_id
              WHERE s.campaign_id = @k AND s.user_id > @a ORDER BY s.user_id LIMIT @n
              """;
        return await c.Command(sql).With("env", CampaignAudience.EnvironmentOf(campaign)).With("k", campaign.Topic ?? campaign.Id).With("a", campaign.Cursor ?? "").With("n", limit)
            .ReadAllAsync(r => new AudienceMember(r.GetString(0), r.StringOrNull(1)), ct);
    }

    public Task<bool> ReleaseChunkAsync(string campaignId, string owner, string? expectedCursor, string? newCursor, bool exhausted, IReadOnlyList<Notification> notifications,
        DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(notifications);
        return db.WriteAsync(async (c, tx) =>
        {
            // The conditional update takes the campaign's row lock: a concurrent pause, cancel or second releaser waits for
            // this transaction and then sees the moved cursor (or this one sees theirs and inserts nothing).
            var moved = await c.Command($"""
                UPDATE campaigns SET cursor = @new, released = released + @k, exhausted = @x, lease_until = CASE WHEN @x THEN NULL ELSE @lu END,
                    status = CASE WHEN @x THEN 'released' ELSE 'releasing' END, updated_at = @now
                WHERE id = @id AND status IN {CampaignStatus.Sql.Releasable} AND lease_owner = @o AND cursor IS NOT DISTINCT FROM @old::text
                """, tx).With("new", newCursor).With("k", (long)notifications.Count).With("x", exhausted).With("lu", leaseUntil.Ms()).With("now", now.Ms())
                .With("id", campaignId).With("o", owner).With("old", expectedCursor).ExecuteNonQueryAsync(ct);
            if (moved == 0)
            {
                return false;
            }

            await PgWrites.InsertNotificationsAsync(c, tx, [.. notifications], now, ct);
            return true;
        }, ct);
    }

    public Task<bool> PauseAsync(string environmentId, string campaignId, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            if (await c.Command($"""
                UPDATE campaigns SET status = 'paused', lease_owner = NULL, lease_until = NULL, updated_at = @now
                WHERE id = @id AND environment_id = @env AND status IN {CampaignStatus.Sql.Pausable}
                """, tx).With("id", campaignId).With("env", environmentId).With("now", now.Ms()).ExecuteNonQueryAsync(ct) == 0)
            {
                return false;
            }

            // A planner that already claimed one (planning) keeps it; only notifications still waiting are held.
            await c.Command($"UPDATE notifications SET status = 'paused', updated_at = @now WHERE campaign_id = @id AND status IN {NotificationStatus.Sql.Plannable}", tx)
                .With("id", campaignId).With("now", now.Ms()).ExecuteNonQueryAsync(ct);
            return true;
        }, ct);

    public Task<bool> ResumeAsync(string environmentId, string campaignId, TimeSpan interval, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            if (await c.Command("""
                UPDATE campaigns SET status = CASE WHEN exhausted THEN 'released' WHEN cursor IS NULL AND released = 0 THEN 'scheduled' ELSE 'releasing' END, updated_at = @now
                WHERE id = @id AND environment_id = @env AND status = 'paused'
                """, tx).With("id", campaignId).With("env", environmentId).With("now", now.Ms()).ExecuteNonQueryAsync(ct) == 0)
            {
                return false;
            }

            await c.Command("""
                WITH r AS (SELECT id, row_number() OVER (ORDER BY due_at, id) - 1 AS rn FROM notifications WHERE campaign_id = @id AND status = 'paused')
                UPDATE notifications n SET status = 'scheduled', updated_at = @now, due_at = GREATEST(n.due_at, @now + (r.rn * @slot)::bigint)
                FROM r WHERE n.id = r.id
                """, tx).With("id", campaignId).With("now", now.Ms()).With("slot", interval.TotalMilliseconds).ExecuteNonQueryAsync(ct);
            return true;
        }, ct);

    public Task<int?> CancelAsync(string environmentId, string campaignId, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync<int?>(async (c, tx) =>
        {
            if (await c.Command("UPDATE campaigns SET status = 'cancelled', lease_owner = NULL, lease_until = NULL, updated_at = @now WHERE id = @id AND environment_id = @env AND status <> 'cancelled'", tx)
                .With("id", campaignId).With("env", environmentId).With("now", now.Ms()).ExecuteNonQueryAsync(ct) == 0)
            {
                return null;
            }

            var notifications = await c.Command($"""
                UPDATE notifications SET status = 'cancelled', lease_until = NULL, updated_at = @now WHERE campaign_id = @id AND status IN {NotificationStatus.Sql.UnplannedOrPaused}
                """, tx).With("id", campaignId).With("now", now.Ms()).ExecuteNonQueryAsync(ct);
            var touched = (await c.Command($"""
                UPDATE deliveries SET status = 'cancelled', updated_at = @now
                WHERE status IN {DeliveryStatus.Sql.Waiting} AND notification_id IN (SELECT id FROM notifications WHERE campaign_id = @id)
                RETURNING notification_id
                """, tx).With("id", campaignId).With("now", now.Ms()).ReadAllAsync(r => r.GetString(0), ct)).Distinct(StringComparer.Ordinal).ToList();
            await PgWrites.RefreshNotificationsAsync(c, tx, touched, now, ct);
            return notifications + touched.Count;
        }, ct);
}
