using System.Globalization;
using Herald.Core.Domain;
using Herald.Core.Pipeline.Cluster;
using Herald.Core.Storage;
using Npgsql;

namespace Herald.Storage.Postgres;

public sealed partial class PostgresStore : IWebhookEndpointStore
{

    public Task InsertEndpointAsync(WebhookEndpoint endpoint, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return WriteSignallingAsync(ClusterTopics.Endpoints, async (c, tx) => await c.Command($"INSERT INTO webhook_endpoints({EndpointRow.Columns}) VALUES (@id, @r, @u, @s, @e, @d, true, NULL, NULL, @t)", tx)
            .With("id", endpoint.Id).With("r", endpoint.RecipientId).With("u", endpoint.Url).With("s", endpoint.Secret)
            .With("e", StoreJson.Strings(endpoint.EventTypes)).With("d", endpoint.Description).With("t", endpoint.CreatedAt.Ms()).ExecuteNonQueryAsync(ct), ct);
    }

    public async Task<WebhookEndpoint?> GetEndpointAsync(string id, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.Command($"SELECT {EndpointRow.Columns} FROM webhook_endpoints WHERE id = @id").With("id", id).ReadAllAsync(EndpointRow.Map, ct)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<WebhookEndpoint>> GetEndpointsForRecipientAsync(string recipientId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.Command($"SELECT {EndpointRow.Columns} FROM webhook_endpoints WHERE recipient_id = @r ORDER BY created_at, id COLLATE \"C\"")
            .With("r", recipientId).ReadAllAsync(EndpointRow.Map, ct);
    }

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<WebhookEndpoint>>> GetEndpointsForRecipientsAsync(IReadOnlyCollection<string> recipientIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(recipientIds);
        var ids = recipientIds.Distinct(StringComparer.Ordinal).ToArray();
        await using var c = await db.OpenAsync(ct);
        var all = await c.Command($"SELECT {EndpointRow.Columns} FROM webhook_endpoints WHERE recipient_id = ANY(@r) ORDER BY created_at, id COLLATE \"C\"")
            .With("r", ids).ReadAllAsync(EndpointRow.Map, ct);
        var byRecipient = all.ToLookup(e => e.RecipientId, StringComparer.Ordinal);
        return ids.ToDictionary(id => id, id => (IReadOnlyList<WebhookEndpoint>)[.. byRecipient[id]], StringComparer.Ordinal);
    }

    public async Task<IReadOnlyList<WebhookEndpoint>> GetOperationalEndpointsAsync(CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.Command($"SELECT {EndpointRow.Columns} FROM webhook_endpoints WHERE recipient_id IS NULL AND enabled ORDER BY created_at, id COLLATE \"C\"")
            .ReadAllAsync(EndpointRow.Map, ct);
    }

    public Task<bool> DeleteEndpointAsync(string id, CancellationToken ct) =>
        WriteSignallingAsync(ClusterTopics.Endpoints, async (c, tx) => await c.Command("DELETE FROM webhook_endpoints WHERE id = @id", tx).With("id", id).ExecuteNonQueryAsync(ct) > 0, ct);

    public Task<bool> EnableEndpointAsync(string id, CancellationToken ct) =>
        WriteSignallingAsync(ClusterTopics.Endpoints, async (c, tx) => await c.Command("UPDATE webhook_endpoints SET enabled = true, disabled_reason = NULL, failing_since = NULL WHERE id = @id", tx)
            .With("id", id).ExecuteNonQueryAsync(ct) > 0, ct);

    public Task<bool> DisableEndpointAsync(string id, string reason, CancellationToken ct) =>
        WriteSignallingAsync(ClusterTopics.Endpoints, async (c, tx) => await c.Command("UPDATE webhook_endpoints SET enabled = false, disabled_reason = @why WHERE id = @id", tx)
            .With("id", id).With("why", reason).ExecuteNonQueryAsync(ct) > 0, ct);

    public async Task<IReadOnlyList<WebhookEndpoint>> ListEndpointsAsync(int limit, string? cursor, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.Command($"SELECT {EndpointRow.Columns} FROM webhook_endpoints WHERE @cur::text IS NULL OR id > @cur::text COLLATE \"C\" ORDER BY id COLLATE \"C\" LIMIT @n")
            .With("cur", cursor).With("n", limit).ReadAllAsync(EndpointRow.Map, ct);
    }

    /// <summary>
    /// A success clears the failing streak; a failure starts one (or continues it) and disables the endpoint when the
    /// sender says so or the streak outlasted <see cref="EndpointDisableAfter"/>. Applied in order, in one round trip.
    /// </summary>
    private async Task ApplyEndpointResultsAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<WebhookEndpointResult> results, DateTimeOffset now, CancellationToken ct)
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
                batch.BatchCommands.Add(BatchCommand("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = @id AND failing_since IS NOT NULL", ("id", e.EndpointId)));
                continue;
            }

            batch.BatchCommands.Add(BatchCommand("UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, @now) WHERE id = @id",
                ("id", e.EndpointId), ("now", now.Ms())));
            var reason = e.DisableNow
                ? e.Reason
                : string.Create(CultureInfo.InvariantCulture, $"failing continuously since more than {EndpointDisableAfter.TotalHours:0} h; last: {e.Reason}");
            var disable = BatchCommand("""
                UPDATE webhook_endpoints SET enabled = false, disabled_reason = @r::text
                WHERE id = @id AND enabled AND (@disable_now OR failing_since <= @cutoff)
                """, ("id", e.EndpointId), ("r", reason), ("disable_now", e.DisableNow), ("cutoff", (now - EndpointDisableAfter).Ms()));
            batch.BatchCommands.Add(disable);
            if (e.DisabledEvent is { } lifecycle)
            {
                announced.Add((disable, lifecycle));
            }
        }

        await batch.ExecuteNonQueryAsync(ct);
        // endpoint.disabled commits with the update that disabled the endpoint, or not at all.
        await InsertNotificationsAsync(c, tx, [.. announced.Where(a => a.Command.RecordsAffected > 0).Select(a => a.Event)], now, ct);
    }

}
