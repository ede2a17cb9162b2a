using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Storage.Sqlite;

/// <summary>The capture outbox: messages a capture provider "sent", for tests and the reconciler.</summary>
internal sealed class SqliteOutboxStore(SqliteDatabase db) : IOutboxStore
{
    public Task InsertOutboxAsync(OutboxMessage message, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.Command("""
            INSERT INTO outbox(delivery_id, channel, provider, recipient_id, target, message, created_at)
            SELECT $d, $c, $p, $r, $t, $m, $at WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE delivery_id = $d)
            """, tx).With("$d", message.DeliveryId).With("$c", (int)message.Channel).With("$p", message.Provider).With("$r", message.RecipientId)
            .With("$t", message.Target).With("$m", message.Message).With("$at", message.CreatedAt.Ms()).NonQuery(), ct);

    public async Task<bool> OutboxHasDeliveryAsync(string deliveryId, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command("SELECT 1 FROM outbox WHERE delivery_id = $d LIMIT 1").With("$d", deliveryId).ScalarAsync(ct) is not null;
    }

    public async Task<IReadOnlyList<OutboxMessage>> ListOutboxAsync(Channel? channel, string? recipientId, int limit, long? afterId, CancellationToken ct)
    {
        await using var c = await db.OpenReadAsync(ct);
        return await c.Command("""
            SELECT id, delivery_id, channel, provider, recipient_id, target, message, created_at FROM outbox
            WHERE ($c IS NULL OR channel = $c) AND ($r IS NULL OR recipient_id = $r) AND ($after IS NULL OR id > $after)
            ORDER BY id LIMIT $n
            """).With("$c", channel is null ? null : (int)channel).With("$r", recipientId).With("$after", afterId).With("$n", limit)
            .ReadAllAsync(r => new OutboxMessage(r.GetInt64(0), r.GetString(1), (Channel)r.GetInt32(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.Time(7)), ct);
    }
}
