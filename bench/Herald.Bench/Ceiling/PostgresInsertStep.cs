using Npgsql;

namespace Herald.Bench.Ceiling;

/// <summary>
/// Distributed mode's store: four connections each commit 100 delivery rows per durable transaction in one
/// <c>INSERT … SELECT * FROM unnest(…)</c> statement (one round trip, autocommit, synchronous_commit as the server has it).
/// </summary>
internal static class PostgresInsertStep
{
    private const int BatchSize = 100;
    private const int Connections = 4;

    public static async Task<CeilingStep> MeasureAsync(string connectionString, TimeSpan duration, CancellationToken ct)
    {
        var schema = $"bench_ceiling_{Guid.NewGuid():N}";
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await ExecuteAsync(dataSource, $"""
            CREATE SCHEMA {schema};
            CREATE TABLE {schema}.deliveries(
              id text COLLATE "C" PRIMARY KEY, notification_id text COLLATE "C" NOT NULL, recipient_id text NOT NULL, event_type text NOT NULL,
              channel integer NOT NULL, priority integer NOT NULL, content text NOT NULL, status text NOT NULL, due_at bigint NOT NULL, created_at bigint NOT NULL);
            CREATE INDEX ix_deliveries_lane ON {schema}.deliveries(channel, priority, due_at);
            """, ct);
        var inserts = new List<NpgsqlCommand>();
        try
        {
            for (var i = 0; i < Connections; i++)
            {
                var insert = new NpgsqlCommand(
                    $"INSERT INTO {schema}.deliveries SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::text[], $8::text[], $9::bigint[], $10::bigint[])",
                    await dataSource.OpenConnectionAsync(ct));
                inserts.Add(insert);
                for (var p = 0; p < 10; p++)
                {
                    insert.Parameters.Add(new NpgsqlParameter());
                }

                Bind(insert);
                await insert.PrepareAsync(ct);
            }

            var rate = await CeilingProbe.RateAsync(duration, Connections, (i, token) => Bind(inserts[i]).ExecuteNonQueryAsync(token), ct);
            return CeilingProbe.Step(CeilingProbe.PostgresInsert, "rows", rate,
                $"{Connections} connections, {BatchSize} rows per transaction in one unnest insert, synchronous_commit on");
        }
        finally
        {
            foreach (var insert in inserts)
            {
                await using var connection = insert.Connection;
                await insert.DisposeAsync();
            }

            await ExecuteAsync(dataSource, $"DROP SCHEMA {schema} CASCADE", CancellationToken.None);
        }
    }

    /// <summary>Rebinds the insert's array parameters to a fresh batch of rows, column by column.</summary>
    private static NpgsqlCommand Bind(NpgsqlCommand insert)
    {
        var now = DeliveryRow.NowMs();
        var p = insert.Parameters;
        p[0].Value = Column(_ => DeliveryRow.NewId("dlv"));
        p[1].Value = Column(_ => DeliveryRow.NewId("ntf"));
        p[2].Value = Column(i => "user-" + i);
        p[3].Value = Column(_ => DeliveryRow.EventType);
        p[4].Value = Column(i => i % 4);
        p[5].Value = Column(_ => 1);
        p[6].Value = Column(_ => DeliveryRow.Content);
        p[7].Value = Column(_ => "queued");
        p[8].Value = Column(_ => now);
        p[9].Value = Column(_ => now);
        return insert;
    }

    private static T[] Column<T>(Func<int, T> value)
    {
        var column = new T[BatchSize];
        for (var i = 0; i < column.Length; i++)
        {
            column[i] = value(i);
        }

        return column;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(ct);
    }
}
