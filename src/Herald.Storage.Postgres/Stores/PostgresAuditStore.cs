using Herald.Core.Storage;

namespace Herald.Storage.Postgres;

/// <summary>The audit log of operator actions (migration 018; not partitioned, see there).</summary>
internal sealed class PostgresAuditStore(PostgresDatabase db) : IAuditStore
{
    public Task AppendAsync(AuditEntry entry, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return db.WriteAsync((c, tx) => c.Command($"INSERT INTO audit_log({AuditRow.Columns}) VALUES (@id, @at, @actor, @action, @target, @details, @trace)", tx)
            .With("id", entry.Id).With("at", entry.At.Ms()).With("actor", entry.Actor).With("action", entry.Action).With("target", entry.Target)
            .With("details", entry.Details).With("trace", entry.TraceId).ExecuteNonQueryAsync(ct), ct);
    }

    public async Task<IReadOnlyList<AuditEntry>> ListAuditAsync(AuditSearch search, int limit, string? cursor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(search);
        await using var c = await db.OpenAsync(ct);
        await using var cmd = c.Command("");
        var where = new List<string>();
        foreach (var (condition, name, value) in search.Conditions(cursor))
        {
            where.Add($"{condition} @{name}");
            cmd.With(name, value);
        }

        cmd.CommandText = $"SELECT {AuditRow.Columns} FROM audit_log {(where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where))} ORDER BY id DESC LIMIT @n";
        return await cmd.With("n", limit).ReadAllAsync(AuditRow.Map, ct);
    }

    public async Task<long> PurgeAuditAsync(DateTimeOffset before, int batchSize, CancellationToken ct)
    {
        var bound = RetentionStatuses.IdBound(AuditEntry.IdPrefix, before);
        long total = 0;
        while (true)
        {
            var removed = await db.WriteAsync((c, tx) => c.Command(
                "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE id < @bound ORDER BY id LIMIT @batch)", tx)
                .With("bound", bound).With("batch", batchSize).ExecuteNonQueryAsync(ct), ct);
            total += removed;
            if (removed < batchSize)
            {
                return total;
            }
        }
    }
}
