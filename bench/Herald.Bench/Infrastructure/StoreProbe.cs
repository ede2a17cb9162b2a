using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Herald.Bench.Infrastructure;

/// <summary>What the store says about one event type's deliveries: how many went out, when, and how long each took.</summary>
/// <param name="Sent">Deliveries with a send time.</param>
/// <param name="FirstAccepted">Earliest acceptance (notification created) of the sent ones, Unix ms.</param>
/// <param name="LastSent">Latest send time, Unix ms.</param>
/// <param name="LatenciesMs">Per delivery: send time minus acceptance time, in ms (the store keeps ms).</param>
/// <param name="SentTimesMs">Per delivery: its send time, Unix ms (for rates over a window).</param>
/// <param name="Stages">Per delivery: ms from accepted to planned (delivery row created), planned to claimed, claimed to sent.</param>
internal sealed record DeliverySample(long Sent, long FirstAccepted, long LastSent, double[] LatenciesMs, long[] SentTimesMs, (double[] Plan, double[] Claim, double[] Send) Stages);

/// <summary>
/// Reads Herald's store directly (read-only SQL on the same tables the server writes), so that measuring adds no load
/// to the API being measured. Timestamps are the server's own (Unix ms): accepted = the notification's created_at,
/// delivered = the delivery's sent_at (feed item written or provider answered).
/// </summary>
/// <summary>One normalized statement over a period: calls, execution plus planning time in ms, plans made and their time.</summary>
internal sealed record StatementTime(string Query, long Calls, double Milliseconds, long Plans, double PlanMilliseconds);

internal sealed class StoreProbe : IAsyncDisposable
{
    private readonly Func<CancellationToken, Task<DbConnection>> _open;
    private readonly bool _postgres;
    private readonly NpgsqlDataSource? _source;
    private readonly string? _sqlitePath;

    private StoreProbe(Func<CancellationToken, Task<DbConnection>> open, bool postgres, NpgsqlDataSource? source, string? sqlitePath)
    {
        _open = open;
        _postgres = postgres;
        _source = source;
        _sqlitePath = sqlitePath;
    }

    public static StoreProbe ForSqlite(string path)
    {
        var connection = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = true }.ToString();
        return new StoreProbe(async ct =>
        {
            var c = new SqliteConnection(connection);
            await c.OpenAsync(ct);
            return c;
        }, false, null, path);
    }

    public static StoreProbe ForPostgres(string connectionString)
    {
        var source = NpgsqlDataSource.Create(connectionString);
        return new StoreProbe(async ct => await source.OpenConnectionAsync(ct), true, source, null);
    }

    public async Task<DeliverySample> DeliveriesAsync(string eventType, CancellationToken ct)
    {
        await using var connection = await _open(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT d.sent_at, n.created_at, d.created_at, COALESCE(d.claimed_at, d.sent_at) FROM deliveries d JOIN notifications n ON n.id = d.notification_id
            WHERE d.event_type = @e AND d.sent_at IS NOT NULL
            """;
        Add(command, "@e", eventType);
        var latencies = new List<double>();
        var sentTimes = new List<long>();
        var (plan, claim, send) = (new List<double>(), new List<double>(), new List<double>());
        long first = long.MaxValue, last = 0;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var sent = reader.GetInt64(0);
                var accepted = reader.GetInt64(1);
                var planned = reader.GetInt64(2);
                var claimed = reader.GetInt64(3);
                plan.Add(planned - accepted);
                claim.Add(claimed - planned);
                send.Add(sent - claimed);
                latencies.Add(sent - accepted);
                sentTimes.Add(sent);
                first = Math.Min(first, accepted);
                last = Math.Max(last, sent);
            }
        }

        return new DeliverySample(latencies.Count, first == long.MaxValue ? 0 : first, last, [.. latencies], [.. sentTimes], ([.. plan], [.. claim], [.. send]));
    }

    /// <summary>Work of this event type not finished yet: notifications not planned plus deliveries not settled.</summary>
    public async Task<long> PendingAsync(string eventType, CancellationToken ct)
    {
        await using var connection = await _open(ct);
        await using var command = connection.CreateCommand();
        // On PostgreSQL each count names exactly the statuses of one partial index (ix_notifications_due and _planning,
        // ix_deliveries_lane and _lease), so it reads only unfinished rows: the single IN list over all of them scanned
        // every delivery of the run each poll: 25–31 µs of PostgreSQL time per delivered notification inside the
        // measured window at batch-100 5,000/s, 16 µs with this form (pg_stat_statements, 2026-12-07).
        command.CommandText = _postgres
            ? """
              SELECT (SELECT count(*) FROM notifications WHERE status IN ('accepted', 'scheduled') AND event_type = @e)
                   + (SELECT count(*) FROM notifications WHERE status = 'planning' AND event_type = @e)
                   + (SELECT count(*) FROM deliveries WHERE status IN ('queued', 'deferred', 'retrying') AND event_type = @e)
                   + (SELECT count(*) FROM deliveries WHERE status IN ('sending', 'unknown') AND event_type = @e)
              """
            : """
              SELECT (SELECT count(*) FROM notifications WHERE event_type = @e AND status IN ('accepted', 'scheduled', 'planning'))
                   + (SELECT count(*) FROM deliveries WHERE event_type = @e AND status IN ('queued', 'deferred', 'retrying', 'sending', 'unknown'))
              """;
        Add(command, "@e", eventType);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Notifications of this event type in the store (accepted = durable).</summary>
    public async Task<long> NotificationsAsync(string eventType, CancellationToken ct)
    {
        await using var connection = await _open(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM notifications WHERE event_type = @e";
        Add(command, "@e", eventType);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Which of these notification ids the store holds.</summary>
    public async Task<HashSet<string>> ExistingAsync(IReadOnlyList<string> ids, CancellationToken ct)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        await using var connection = await _open(ct);
        foreach (var chunk in ids.Chunk(500))
        {
            await using var command = connection.CreateCommand();
            var names = chunk.Select((_, i) => $"@p{i}").ToList();
            command.CommandText = $"SELECT id FROM notifications WHERE id IN ({string.Join(',', names)})";
            for (var i = 0; i < chunk.Length; i++)
            {
                Add(command, names[i], chunk[i]);
            }

            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                found.Add(reader.GetString(0));
            }
        }

        return found;
    }

    /// <summary>Bytes the store takes on disk: the SQLite file with its WAL, or the PostgreSQL database.</summary>
    public async Task<long> StoreBytesAsync(CancellationToken ct)
    {
        if (!_postgres)
        {
            return new[] { _sqlitePath!, _sqlitePath + "-wal" }.Where(File.Exists).Sum(p => new FileInfo(p).Length);
        }

        await using var connection = await _open(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT pg_database_size(current_database())";
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// PostgreSQL's statements in this database since the last call (pg_stat_statements, which the server must load:
    /// the benchmark's <c>--pg-statements</c>): calls and execution plus planning time per normalized text, and resets
    /// them. Null on SQLite or when the extension is not loaded.
    /// </summary>
    public async Task<IReadOnlyList<StatementTime>?> StatementsAsync(CancellationToken ct)
    {
        if (!_postgres)
        {
            return null;
        }

        await using var connection = await _open(ct);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
                SELECT query, calls, total_exec_time + total_plan_time, plans, total_plan_time FROM pg_stat_statements
                WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database());
                """;
            var list = new List<StatementTime>();
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    list.Add(new StatementTime(reader.GetString(0), reader.GetInt64(1), reader.GetDouble(2), reader.GetInt64(3), reader.GetDouble(4)));
                }
            }

            await using var reset = connection.CreateCommand();
            reset.CommandText = "SELECT pg_stat_statements_reset()";
            await reset.ExecuteNonQueryAsync(ct);
            return list;
        }
        catch (PostgresException e) when (e.SqlState is "55000" or "58P01")
        {
            return null; // not in shared_preload_libraries, or not installed
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_source is not null)
        {
            await _source.DisposeAsync();
        }
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
