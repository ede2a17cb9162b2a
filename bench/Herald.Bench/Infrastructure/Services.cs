using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Herald.Bench.Infrastructure;

/// <summary>
/// PostgreSQL 15 and RabbitMQ 3.10 for the distributed mode, started through the same script the tests use
/// (<c>scripts/lib/services.sh</c>: installed with apt when missing, private instances on free loopback ports in a
/// temporary folder, durable as in production) and stopped at the end.
/// </summary>
internal sealed partial class Services : IAsyncDisposable
{
    private readonly string _library;
    private readonly string _work;
    private static int _databases;

    private Services(string library, string work, string postgres, Uri rabbitMq)
    {
        _library = library;
        _work = work;
        Postgres = postgres;
        RabbitMq = rabbitMq;
    }

    public string Postgres { get; }

    public Uri RabbitMq { get; }

    /// <summary>Starts both; <paramref name="statements"/> loads pg_stat_statements (the benchmark's <c>--pg-statements</c>).</summary>
    public static async Task<Services> StartAsync(string repository, string work, CancellationToken ct, bool statements = false)
    {
        var library = Path.Combine(repository, "scripts", "lib", "services.sh");
        Directory.CreateDirectory(work);
        var output = await BashAsync($"{(statements ? "export HERALD_PG_STATEMENTS=1; " : "")}. '{library}' && install_missing >&2 && start_postgres '{work}' >&2 && start_rabbitmq '{work}' >&2 && env | grep '^HERALD_TEST_'", ct);
        var values = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        return new Services(library, work, values["HERALD_TEST_POSTGRES"], new Uri(values["HERALD_TEST_RABBITMQ"]));
    }

    /// <summary>
    /// The postmaster's pid (first line of <c>postmaster.pid</c> in the data folder), the root of every PostgreSQL
    /// process; null when it is not running.
    /// </summary>
    public int? PostgresPid => FirstNumber(Path.Combine(_work, "postgres", "data", "postmaster.pid"));

    /// <summary>
    /// The broker's root process: the rabbitmq-server script that services.sh starts (server.pid) with beam.smp under
    /// it; beam.smp itself (rabbitmq.pid) if the script is gone.
    /// </summary>
    public int? RabbitMqPid => FirstNumber(Path.Combine(_work, "rabbitmq", "server.pid")) is { } pid && Directory.Exists($"/proc/{pid}")
        ? pid
        : FirstNumber(Path.Combine(_work, "rabbitmq", "rabbitmq.pid"));

    private static int? FirstNumber(string path)
    {
        try
        {
            var first = File.ReadLines(path).FirstOrDefault();
            return int.TryParse(first?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A new empty database on the server, for one deployment; its connection string.</summary>
    public async Task<string> NewDatabaseAsync(CancellationToken ct)
    {
        var name = $"herald_bench_{Interlocked.Increment(ref _databases)}_{Environment.ProcessId}";
        await using (var connection = new Npgsql.NpgsqlConnection(Postgres))
        {
            await connection.OpenAsync(ct);
            await using var command = connection.CreateCommand();
            command.CommandText = $"CREATE DATABASE {name}";
            await command.ExecuteNonQueryAsync(ct);
        }

        return new Npgsql.NpgsqlConnectionStringBuilder(Postgres) { Database = name }.ToString();
    }

    /// <summary>Disk flush time from <c>pg_test_fsync</c> (fdatasync, one 8 kB write per flush), in microseconds.</summary>
    public static async Task<double?> FlushMicrosecondsAsync(string work, CancellationToken ct)
    {
        const string tool = "/usr/lib/postgresql/15/bin/pg_test_fsync";
        if (!File.Exists(tool))
        {
            return null;
        }

        Directory.CreateDirectory(work);
        var output = await BashAsync($"{tool} -s 1 -f '{Path.Combine(work, "fsync.test")}'", ct);
        return ParseFdatasync(output);
    }

    /// <summary>The first fdatasync line of pg_test_fsync's output ("fdatasync   1234.567 ops/sec   810 usecs/op").</summary>
    internal static double? ParseFdatasync(string output)
    {
        var match = FdatasyncLine().Match(output);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await BashAsync($". '{_library}' && stop_services '{_work}' >&2", CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            // Best effort: a server that is already gone needs no stopping.
        }
    }

    internal static async Task<string> BashAsync(string script, CancellationToken ct)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{script}` failed with {process.ExitCode}:\n{await stderr}");
        }

        return await stdout;
    }

    [GeneratedRegex(@"fdatasync\s+[\d.]+\s+ops/sec\s+([\d.]+)\s+usecs/op")]
    private static partial Regex FdatasyncLine();
}
