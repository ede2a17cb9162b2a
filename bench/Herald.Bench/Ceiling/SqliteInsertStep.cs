using Microsoft.Data.Sqlite;

namespace Herald.Bench.Ceiling;

/// <summary>
/// Embedded mode's store: SQLite has one writer, so one connection commits delivery rows durably (WAL,
/// synchronous=FULL) in transactions of 100 through a prepared insert.
/// </summary>
internal static class SqliteInsertStep
{
    private const int BatchSize = 100;

    private const string Schema = """
        PRAGMA journal_mode=WAL;
        PRAGMA synchronous=FULL;
        CREATE TABLE deliveries(
          id TEXT PRIMARY KEY, notification_id TEXT NOT NULL, recipient_id TEXT NOT NULL, event_type TEXT NOT NULL, channel INTEGER NOT NULL,
          priority INTEGER NOT NULL, content TEXT NOT NULL, status TEXT NOT NULL, due_at INTEGER NOT NULL, created_at INTEGER NOT NULL);
        CREATE INDEX ix_deliveries_lane ON deliveries(channel, priority, due_at);
        """;

    public static async Task<CeilingStep> MeasureAsync(string workDirectory, TimeSpan duration, CancellationToken ct)
    {
        Directory.CreateDirectory(workDirectory);
        var path = Path.Combine(workDirectory, $"ceiling-{Guid.NewGuid():N}.db");
        try
        {
            double rate;
            using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
            {
                connection.Open();
                using (var create = connection.CreateCommand())
                {
                    create.CommandText = Schema;
                    create.ExecuteNonQuery();
                }

                using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO deliveries VALUES($id, $nid, $rid, $event, $channel, $priority, $content, $status, $due, $created)";
                foreach (var name in (string[])["$id", "$nid", "$rid", "$event", "$channel", "$priority", "$content", "$status", "$due", "$created"])
                {
                    insert.Parameters.Add(name, name is "$channel" or "$priority" or "$due" or "$created" ? SqliteType.Integer : SqliteType.Text);
                }

                insert.Prepare();
                rate = await CeilingProbe.RateAsync(duration, 1, (_, _) => Task.FromResult(InsertBatch(connection, insert)), ct);
            }

            return CeilingProbe.Step(CeilingProbe.SqliteInsert, "rows", rate, $"1 writer, WAL, synchronous=FULL, {BatchSize} rows per transaction");
        }
        finally
        {
            foreach (var suffix in (string[])["", "-wal", "-shm"])
            {
                File.Delete(path + suffix);
            }
        }
    }

    private static int InsertBatch(SqliteConnection connection, SqliteCommand insert)
    {
        using var transaction = connection.BeginTransaction();
        insert.Transaction = transaction;
        var now = DeliveryRow.NowMs();
        var p = insert.Parameters;
        for (var i = 0; i < BatchSize; i++)
        {
            p[0].Value = DeliveryRow.NewId("dlv");
            p[1].Value = DeliveryRow.NewId("ntf");
            p[2].Value = "user-" + i;
            p[3].Value = DeliveryRow.EventType;
            p[4].Value = i % 4;
            p[5].Value = 1;
            p[6].Value = DeliveryRow.Content;
            p[7].Value = "queued";
            p[8].Value = now;
            p[9].Value = now;
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
        return BatchSize;
    }
}
