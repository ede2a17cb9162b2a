using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Storage.Postgres;

/// <summary>The capture outbox: what the capture provider received, one message per delivery.</summary>
internal sealed class PostgresOutboxStore(PostgresDatabase db) : IOutboxStore
{
    public Task InsertOutboxAsync(OutboxMessage message, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        // The lock orders two stores of one delivery (and a look-up) so the second's NOT EXISTS, a new statement with a
        // new snapshot, sees the first once it committed. Two-key advisory locks are a space apart from the gate's.
        return db.WriteAsync(async (c, tx) => await c.Command($"""
            SELECT pg_advisory_xact_lock({OutboxLockClass}, hashtext(@d));
            INSERT INTO outbox(delivery_id, channel, provider, recipient_id, target, message, created_at)
            SELECT @d, @c, @p, @r, @t, @m, @at WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE delivery_id = @d)
            """, tx).With("d", message.DeliveryId).With("c", (int)message.Channel).With("p", message.Provider).With("r", message.RecipientId)
            .With("t", message.Target).With("m", message.Message).With("at", message.CreatedAt.Ms()).ExecuteNonQueryAsync(ct), ct);
    }

    public Task<bool> OutboxHasDeliveryAsync(string deliveryId, CancellationToken ct) =>
        db.WriteAsync(async (c, tx) =>
        {
            // Two statements: the second's snapshot is taken after the lock, so a store that held it has committed.
            await c.Command($"SELECT pg_advisory_xact_lock({OutboxLockClass}, hashtext(@d))", tx).With("d", deliveryId).ExecuteNonQueryAsync(ct);
            return await c.Command("SELECT 1 FROM outbox WHERE delivery_id = @d LIMIT 1", tx).With("d", deliveryId).ExecuteScalarAsync(ct) is not null;
        }, ct);

    private const int OutboxLockClass = 7;

    public async Task<IReadOnlyList<OutboxMessage>> ListOutboxAsync(Channel? channel, string? recipientId, int limit, long? afterId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await using var command = c.Command($"""
            SELECT id, delivery_id, channel, provider, recipient_id, target, message, created_at FROM outbox
            WHERE true{(channel is null ? "" : " AND channel = @c")}{(recipientId is null ? "" : " AND recipient_id = @r")}{(afterId is null ? "" : " AND id > @after")}
            ORDER BY id LIMIT @n
            """).With("n", limit);
        if (channel is { } ch)
        {
            command.With("c", (int)ch);
        }

        if (recipientId is not null)
        {
            command.With("r", recipientId);
        }

        if (afterId is { } after)
        {
            command.With("after", after);
        }

        return await command.ReadAllAsync(
            r => new OutboxMessage(r.GetInt64(0), r.GetString(1), (Channel)r.GetInt32(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.Time(7)), ct);
    }
}
