using Herald.Core.Domain;
using Herald.Core.Pipeline.Cluster;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Cluster signals sent by store writes: pg_notify inside the write's transaction, so other processes hear of a change
/// only once it is committed (and never of one rolled back). PostgreSQL folds identical notifications of a transaction.
/// </summary>
public sealed partial class PostgresStore
{
    private static readonly string[] ClaimableStatuses = [DeliveryStatus.Queued, DeliveryStatus.Deferred, DeliveryStatus.Retrying];

    private static async Task NotifyAsync(NpgsqlConnection c, NpgsqlTransaction tx, string topic, IEnumerable<string> keys, CancellationToken ct)
    {
        var payloads = ClusterSignalPayload.Encode(topic, keys);
        if (payloads.Count == 0)
        {
            return;
        }

        await c.Command("SELECT pg_notify(@ch, p) FROM unnest(@p::text[]) AS p", tx)
            .With("ch", ClusterSignalPayload.Channel).With("p", payloads.ToArray()).ExecuteNonQueryAsync(ct);
    }

    /// <summary>A write that signals <paramref name="topic"/> (any key) on commit: a change every process's cache of it must drop.</summary>
    private Task<T> WriteSignallingAsync<T>(string topic, Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            var result = await work(c, tx);
            await NotifyAsync(c, tx, topic, ["*"], ct);
            return result;
        }, ct);

    /// <summary>Wakes relays (and, with in-process lanes, the lanes) of the lanes these new deliveries wait in.</summary>
    private static Task NotifyDueAsync(NpgsqlConnection c, NpgsqlTransaction tx, IEnumerable<Delivery> deliveries, CancellationToken ct) =>
        NotifyAsync(c, tx, ClusterTopics.Due,
            deliveries.Where(d => ClaimableStatuses.Contains(d.Status, StringComparer.Ordinal)).Select(d => ClusterTopics.Lane(d.Channel, d.Priority)), ct);

    /// <summary>
    /// The due signal for stored deliveries named by id (a replay, a retry): their lanes are read from the rows.
    /// </summary>
    private static async Task NotifyDueByIdAsync(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<(string NotificationId, string DeliveryId)> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return;
        }

        await c.Command("""
            SELECT pg_notify(@ch, @topic || E'\n' || string_agg(DISTINCT channel || ':' || priority, E'\n'))
            FROM deliveries d JOIN unnest(@n::text[], @id::text[]) AS x(nid, did) ON d.notification_id = x.nid AND d.id = x.did
            HAVING COUNT(*) > 0
            """, tx).With("ch", ClusterSignalPayload.Channel).With("topic", ClusterTopics.Due)
            .With("n", ids.Select(x => x.NotificationId).ToArray()).With("id", ids.Select(x => x.DeliveryId).ToArray()).ExecuteNonQueryAsync(ct);
    }

    /// <summary>The earliest due time after <paramref name="after"/> of a claimable delivery no message was published for.</summary>
    public async Task<DateTimeOffset?> NextUnpublishedDueAsync(DateTimeOffset after, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        var value = await c.Command($"""
            SELECT MIN(due_at) FROM deliveries WHERE status IN {Claimable} AND published_due IS DISTINCT FROM due_at AND due_at > @after
            """).With("after", after.Ms()).ExecuteScalarAsync(ct);
        return value is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }
}
