using Herald.Core.Storage;
using Npgsql;

namespace Herald.Storage.Postgres;

public sealed partial class PostgresStore
{
    /// <summary>
    /// Locks the notification rows a settlement may add a fallback to, in id order, before any of its delivery updates: two
    /// transactions settling two devices of one notification then run one after the other, so the second sees the first's
    /// status (under READ COMMITTED each would otherwise see the other still sending, and neither fall back). The later
    /// status refresh locks the same rows again in the same order.
    /// </summary>
    private static async Task LockForFallbackAsync(NpgsqlConnection c, NpgsqlTransaction tx, IEnumerable<string> notificationIds, CancellationToken ct)
    {
        var ids = notificationIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (ids.Length > 0)
        {
            await c.Command("SELECT 1 FROM notifications WHERE id = ANY(@ids) ORDER BY id FOR UPDATE", tx).With("ids", ids).ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Adds a planned fallback if its condition holds in this transaction (see <see cref="FallbackPlan"/>); true when added.</summary>
    private static async Task<bool> AddFallbackAsync(NpgsqlConnection c, NpgsqlTransaction tx, FallbackPlan f, CancellationToken ct)
    {
        var blocked = await c.Command("""
            SELECT EXISTS (SELECT 1 FROM deliveries WHERE notification_id = @n AND channel = @to)
                OR EXISTS (SELECT 1 FROM deliveries WHERE notification_id = @n AND channel = @from AND status = ANY(@b))
            """, tx).With("n", f.NotificationId).With("to", (int)f.To).With("from", (int)f.From).With("b", f.Blockers.ToArray()).ExecuteScalarAsync(ct) is true;
        if (blocked)
        {
            return false;
        }

        await InsertDeliveriesAsync(c, tx, f.Deliveries, orIgnore: true, ct);
        await InsertTraceAsync(c, tx, f.Trace, ct);
        return true;
    }
}
