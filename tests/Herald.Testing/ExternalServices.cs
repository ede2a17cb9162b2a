using System.Diagnostics;
using System.Text;
using Npgsql;

namespace Herald.Testing;

/// <summary>
/// The PostgreSQL and RabbitMQ that <c>scripts/test</c> starts for one run (private instances on free loopback
/// ports): where they are, an isolated database per test class, and restarts for the tests that need one mid-run.
/// </summary>
public static class ExternalServices
{
    private const string PostgresVariable = "HERALD_TEST_POSTGRES";
    private const string PostgresRestartVariable = "HERALD_TEST_POSTGRES_RESTART";
    private const string RabbitMqVariable = "HERALD_TEST_RABBITMQ";
    private const string RabbitMqRestartVariable = "HERALD_TEST_RABBITMQ_RESTART";

    /// <summary>An Npgsql connection string for the run's shared database <c>herald_test</c>.</summary>
    public static string PostgresConnectionString => Require(PostgresVariable);

    /// <summary>An AMQP URI (guest on the default virtual host) for the run's RabbitMQ node.</summary>
    public static string RabbitMqUri => Require(RabbitMqVariable);

    /// <summary>
    /// Stops PostgreSQL as a crash would (immediate shutdown, so the start runs recovery) and starts it again on the
    /// same port and data; returns once it accepts connections. Pooled connections opened before are broken after: this
    /// process's connection-string pools are cleared, so the next test's <see cref="NewDatabase"/> or checker query does
    /// not take a dead one (the second cluster test failed at once on it).
    /// </summary>
    public static async Task RestartPostgresAsync(TimeSpan timeout)
    {
        await RunAsync(Require(PostgresRestartVariable), timeout);
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>
    /// Shuts the RabbitMQ node down and starts it again on the same port and data; returns once it runs. Clients see
    /// their connections closed; durable queues and persistent messages survive.
    /// </summary>
    public static Task RestartRabbitMqAsync(TimeSpan timeout) => RunAsync(Require(RabbitMqRestartVariable), timeout);

    /// <summary>
    /// Creates a new database on the run's PostgreSQL, named from <paramref name="prefix"/> and a unique suffix, empty or
    /// a copy of <paramref name="template"/> (a database nobody is connected to), and returns a connection string for
    /// it, so test classes running in parallel do not share tables.
    /// </summary>
    public static string NewDatabase(string prefix, string? template = null)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var builder = new NpgsqlConnectionStringBuilder(PostgresConnectionString);
        var name = new StringBuilder();
        foreach (var c in prefix.ToLowerInvariant())
        {
            if (name.Length == 30)
            {
                break;
            }

            name.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? c : '_');
        }

        // At most 30 + 1 + 32 = 63 characters, PostgreSQL's limit for a name.
        name.Append('_').Append(Guid.NewGuid().ToString("N"));
        using (var connection = new NpgsqlConnection(builder.ConnectionString))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"{(template is null ? "" : $" TEMPLATE \"{template}\"")}", connection);
            command.ExecuteNonQuery();
        }

        builder.Database = name.ToString();
        return builder.ConnectionString;
    }

    private static string Require(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{variable} is not set: run the tests through scripts/test, which starts PostgreSQL and RabbitMQ.");

    private static async Task RunAsync(string script, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(script)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"{script} could not be started.");
        var output = new StringBuilder();
        var stdout = PumpAsync(process.StandardOutput, output);
        var stderr = PumpAsync(process.StandardError, output);
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
            await Task.WhenAll(stdout, stderr).WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} did not finish within {timeout}. Its output:\n{Snapshot(output)}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed with exit code {process.ExitCode}:\n{Snapshot(output)}");
        }
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder output)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
