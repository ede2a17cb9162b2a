using Herald.Core.Domain;
using Herald.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

public sealed partial class SqliteStore
{
    /// <summary>
    /// Adds a planned fallback if its condition holds in this transaction (see <see cref="FallbackPlan"/>); true when added.
    /// The single writer makes the check and the insert one step against every other settlement.
    /// </summary>
    private const string Blocked = """
        SELECT EXISTS (SELECT 1 FROM deliveries WHERE notification_id = $n AND channel = $to)
            OR EXISTS (SELECT 1 FROM deliveries WHERE notification_id = $n AND channel = $from AND status IN
        """;

    // The statuses of FallbackPlan.Blockers per trigger, as constants (a settlement with a fallback builds no SQL).
    private const string EndedBlocked = Blocked + " " + DeliveryStatus.Sql.SentOrMaySend + ")";
    private const string DeadlineBlocked = Blocked + " " + DeliveryStatus.Sql.SentOrBeyond + ")";

    private static bool AddFallback(SqliteConnection c, SqliteTransaction tx, FallbackPlan f)
    {
        var blocked = c.Command(f.Trigger == FallbackTrigger.Ended ? EndedBlocked : DeadlineBlocked, tx).With("$n", f.NotificationId).With("$to", (int)f.To).With("$from", (int)f.From).Scalar() is long v && v != 0;
        if (blocked)
        {
            return false;
        }

        using var insert = DeliveryInsert(c, tx, orIgnore: true);
        foreach (var d in f.Deliveries)
        {
            BindDelivery(insert, d);
            insert.ExecuteNonQuery();
        }

        foreach (var t in f.Trace)
        {
            Trace(c, tx, t);
        }

        return true;
    }
}
