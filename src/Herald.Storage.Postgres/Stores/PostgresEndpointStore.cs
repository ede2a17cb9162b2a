using System.Globalization;
using Herald.Core.Domain;
using Herald.Core.Pipeline.Cluster;
using Herald.Core.Storage;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Webhook endpoints, and the deliveries held while one is disabled: released when it is enabled, expired, or
/// recovered by range.
/// </summary>
internal sealed class PostgresEndpointStore(PostgresDatabase db) : IWebhookEndpointStore
{
    public Task InsertEndpointAsync(WebhookEndpoint endpoint, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return db.WriteSignallingAsync(ClusterTopics.Endpoints, async (c, tx) => await c.Command($"INSERT INTO webhook_endpoints({EndpointRow.Columns}) VALUES (@id, @r, @u, @s, @e, @d, true, NULL, NULL, @t, @env)", tx)
            .With("id", endpoint.Id).With("env", endpoint.EnvironmentId).With("r", endpoint.RecipientId).With("u", endpoint.Url).With("s", endpoint.Secret)
            .With("e", StoreJson.Strings(endpoint.EventTypes)).With("d", endpoint.Description).With("t", endpoint.CreatedAt.Ms()).ExecuteNonQueryAsync(ct), ct);
    }

    public async Task<WebhookEndpoint?> GetEndpointAsync(string environmentId, string id, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.Command($"SELECT {EndpointRow.Columns} FROM webhook_endpoints WHERE id = @id AND environment_id = @env").With("id", id).With("env", environmentId)
            .ReadAllAsync(EndpointRow.Map, ct)).FirstOrDefault();
    }

    public async Task<IReadOnlyDictionary<string, WebhookEndpoint>> GetEndpointsAsync(string environmentId, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ids);
        await using var c = await db.OpenAsync(ct);
        var found = await c.Command($"SELECT {EndpointRow.Columns} FROM webhook_endpoints WHERE id = ANY(@ids) AND environment_id = @env")
            .With("ids", ids.Distinct(StringComparer.Ordinal).ToArray()).With("env", environmentId).ReadAllAsync(EndpointRow.Map, ct);
        return found.ToDictionary(e => e.Id, StringComparer.Ordinal);
    }

    public async Task<IReadOnlyList<WebhookEndpoint>> GetEndpointsForRecipientAsync(string environmentId, string recipientId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.Command($"SELECT {EndpointRow.Columns} FROM webhook_endpoints WHERE environment_id = @env AND recipient_id = @r ORDER BY created_at, id COLLATE \"C\"")
            .With("env", environmentId).With("r", recipientId).ReadAllAsync(EndpointRow.Map, ct);
    }

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<WebhookEndpoint>>> GetEndpointsForRecipientsAsync(string environmentId, IReadOnlyCollection<string> recipientIds,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(recipientIds);
        var ids = recipientIds.Distinct(StringComparer.Ordinal).ToArray();
        await using var c = await db.OpenAsync(ct);
        var all = await c.Command($"SELECT {EndpointRow.Columns} FROM webhook_endpoints WHERE environment_id = @env AND recipient_id = ANY(@r) ORDER BY created_at, id COLLATE \"C\"")
            .With("env", environmentId).With("r", ids).ReadAllAsync(EndpointRow.Map, ct);
        var byRecipient = all.ToLookup(e => e.RecipientId, StringComparer.Ordinal);
        return ids.ToDictionary(id => id, id => (IReadOnlyList<WebhookEndpoint>)[.. byRecipient[id]], StringComparer.Ordinal);
    }

    public async Task<IReadOnlyList<WebhookEndpoint>> GetOperationalEndpointsAsync(string environmentId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.Command($"SELECT {EndpointRow.Columns} FROM webhook_endpoints WHERE environment_id = @env AND recipient_id IS NULL AND enabled ORDER BY created_at, id COLLATE \"C\"")
            .With("env", environmentId).ReadAllAsync(EndpointRow.Map, ct);
    }

    public Task<bool> DeleteEndpointAsync(string environmentId, string id, CancellationToken ct) =>
        db.WriteSignallingAsync(ClusterTopics.Endpoints, async (c, tx) => await c.Command("DELETE FROM webhook_endpoints WHERE id = @id AND environment_id = @env", tx)
            .With("id", id).With("env", environmentId).ExecuteNonQueryAsync(ct) > 0, ct);

    public Task<bool> EnableEndpointAsync(string environmentId, string id, CancellationToken ct) =>
        db.WriteSignallingAsync(ClusterTopics.Endpoints, async (c, tx) => await c.Command("""
            UPDATE webhook_endpoints SET enabled = true, disabled_reason = NULL, failing_since = NULL WHERE id = @id AND environment_id = @env
            """, tx).With("id", id).With("env", environmentId).ExecuteNonQueryAsync(ct) > 0, ct);

    public Task<bool> DisableEndpointAsync(string environmentId, string id, string reason, CancellationToken ct) =>
        db.WriteSignallingAsync(ClusterTopics.Endpoints, async (c, tx) => await c.Command("UPDATE webhook_endpoints SET enabled = false, disabled_reason = @why WHERE id = @id AND environment_id = @env", tx)
            .With("id", id).With("env", environmentId).With("why", reason).ExecuteNonQueryAsync(ct) > 0, ct);

    public async Task<IReadOnlyList<WebhookEndpoint>> ListEndpointsAsync(string environmentId, int limit, string? cursor, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.Command($"""
            SELECT {EndpointRow.Columns} FROM webhook_endpoints
            WHERE environment_id = @env AND (@cur::text IS NULL OR id > @cur::text COLLATE "C") ORDER BY id COLLATE "C" LIMIT @n
            """).With("env", environmentId).With("cur", cursor).With("n", limit).ReadAllAsync(EndpointRow.Map, ct);
    }

    /// <summary>
    /// A success clears the failing streak; a failure starts one (or continues it) and disables the endpoint when the
    /// sender says so or the streak outlasted <paramref name="disableAfter"/> (Herald:Webhooks:DisableAfter). Applied in
    /// order, in one round trip, inside a completion's transaction (<see cref="PostgresDispatchStore.CompleteAsync"/>).
    /// </summary>
    internal static async Task ApplyEndpointResultsAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<WebhookEndpointResult> results, DateTimeOffset now,
        TimeSpan disableAfter, CancellationToken ct)
    {
        if (results.Count == 0)
        {
            return;
        }

        await using var batch = new NpgsqlBatch(c, tx);
        var announced = new List<(NpgsqlBatchCommand Command, Notification Event)>();
        foreach (var e in results)
        {
            if (e.Succeeded)
            {
                batch.BatchCommands.Add(PgWrites.BatchCommand("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = @id AND failing_since IS NOT NULL", ("id", e.EndpointId)));
                continue;
            }

            batch.BatchCommands.Add(PgWrites.BatchCommand("UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, @now) WHERE id = @id",
                ("id", e.EndpointId), ("now", now.Ms())));
            var reason = e.DisableNow
                ? e.Reason
                : string.Create(CultureInfo.InvariantCulture, $"failing continuously since more than {disableAfter.TotalHours:0} h; last: {e.Reason}");
            var disable = PgWrites.BatchCommand("""
                UPDATE webhook_endpoints SET enabled = false, disabled_reason = @r::text
                WHERE id = @id AND enabled AND (@disable_now OR failing_since <= @cutoff)
                """, ("id", e.EndpointId), ("r", reason), ("disable_now", e.DisableNow), ("cutoff", (now - disableAfter).Ms()));
            batch.BatchCommands.Add(disable);
            if (e.DisabledEvent is { } lifecycle)
            {
                announced.Add((disable, lifecycle));
            }
        }

        await batch.ExecuteNonQueryAsync(ct);
        // endpoint.disabled commits with the update that disabled the endpoint, or not at all.
        await PgWrites.InsertNotificationsAsync(c, tx, [.. announced.Where(a => a.Command.RecordsAffected > 0).Select(a => a.Event)], now, ct);
    }

    public Task<int> ReleaseHeldAsync(string? endpointId, DateTimeOffset expireBefore, DateTimeOffset now, CancellationToken ct) =>
        db.WriteRetryingAsync(async (c, tx) =>
        {
            const string Held = "status = 'held' AND (@e::text IS NULL OR target_ref = @e::text)";
            var expired = await MoveAsync(c, tx, $"""
                UPDATE deliveries SET status = 'expired', last_error = 'held longer than the webhook hold time while its endpoint was disabled', updated_at = @now
                WHERE {Held} AND updated_at < @cutoff RETURNING notification_id, id
                """, endpointId, now, expireBefore.Ms(), ct);
            var orphaned = await MoveAsync(c, tx, $"""
                UPDATE deliveries SET status = 'failed', last_error = 'webhook endpoint was deleted', updated_at = @now
                WHERE {Held} AND NOT EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.id = deliveries.target_ref)
                RETURNING notification_id, id
                """, endpointId, now, null, ct);
            // A delivery held by a lane just as its endpoint was enabled misses this release; the next sweep releases it.
            var released = await MoveAsync(c, tx, $"""
                UPDATE deliveries SET status = 'queued', last_error = NULL, published_due = NULL, updated_at = @now
                WHERE {Held} AND target_ref IN (SELECT id FROM webhook_endpoints WHERE enabled)
                RETURNING notification_id, id
                """, endpointId, now, null, ct);
            await PgWrites.InsertTraceAsync(c, tx, [
                .. Traced(expired, now, DeliveryStatus.Expired, "held longer than the webhook hold time (Herald:Webhooks:HoldFor); expired unsent"),
                .. Traced(orphaned, now, DeliveryStatus.Failed, "held for a webhook endpoint that was deleted"),
                .. Traced(released, now, "released", "webhook endpoint enabled again; queued in its original order")], ct);
            await PgWrites.RefreshNotificationsAsync(c, tx, expired.Concat(orphaned).Select(m => m.NotificationId), now, ct);
            await PgWrites.NotifyDueByIdAsync(c, tx, released, ct);
            return released.Count;
        }, ct);

    public Task<int> RecoverAsync(string endpointId, DateTimeOffset since, DateTimeOffset until, DateTimeOffset now, CancellationToken ct) =>
        db.WriteRetryingAsync(async (c, tx) =>
        {
            // Notification ids are UUIDv7: the accepted-time range is an id range, which prunes the monthly partitions.
            var recovered = await MovedAsync(c.Command($"""
                UPDATE deliveries SET status = 'queued', last_error = NULL, lease_owner = NULL, lease_until = NULL, published_due = NULL, updated_at = @now
                WHERE notification_id >= @lo AND notification_id < @hi AND target_ref = @e AND channel = @ch
                  AND status IN {DeliveryStatus.Sql.Recoverable} AND sent_at IS NULL
                RETURNING notification_id, id
                """, tx).With("lo", AnalyticsWindow.NotificationIdBound(since)).With("hi", AnalyticsWindow.NotificationIdBound(until))
                .With("e", endpointId).With("ch", (int)Channel.Webhook).With("now", now.Ms()), ct);
            await PgWrites.InsertTraceAsync(c, tx, [.. Traced(recovered, now, "recovered", $"recovered for webhook endpoint {endpointId}; queued in its original order")], ct);
            await PgWrites.RefreshNotificationsAsync(c, tx, recovered.Select(m => m.NotificationId), now, ct);
            await PgWrites.NotifyDueByIdAsync(c, tx, recovered, ct);
            return recovered.Count;
        }, ct);

    private static Task<IReadOnlyList<(string NotificationId, string DeliveryId)>> MoveAsync(NpgsqlConnection c, NpgsqlTransaction tx, string sql, string? endpointId,
        DateTimeOffset now, long? cutoff, CancellationToken ct)
    {
        var command = c.Command(sql, tx).With("e", endpointId).With("now", now.Ms());
        return MovedAsync(cutoff is { } ms ? command.With("cutoff", ms) : command, ct);
    }

    /// <summary>The (notification id, delivery id) pairs an UPDATE … RETURNING moved.</summary>
    private static async Task<IReadOnlyList<(string NotificationId, string DeliveryId)>> MovedAsync(NpgsqlCommand command, CancellationToken ct) =>
        await command.ReadAllAsync(r => (NotificationId: r.GetString(0), DeliveryId: r.GetString(1)), ct);

    private static IEnumerable<TraceEntry> Traced(IEnumerable<(string NotificationId, string DeliveryId)> moved, DateTimeOffset now, string decision, string reason) =>
        moved.Select(m => new TraceEntry(m.NotificationId, now, "endpoint", Channel.Webhook.ToWire(), decision, $"delivery {m.DeliveryId}: {reason}"));
}
