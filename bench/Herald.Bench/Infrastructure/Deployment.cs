using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Herald.Bench.Infrastructure;

/// <summary>
/// The ways Herald runs: one process on SQLite; several processes (three by default) on PostgreSQL and RabbitMQ; or
/// several processes on PostgreSQL alone, each claiming its lanes from the deliveries table (in-process lanes, no broker).
/// </summary>
internal enum Mode
{
    Embedded,
    Distributed,
    Postgres,
}

/// <summary>
/// Herald as measured: its server processes, an HTTP client that spreads requests over them, and a probe that reads
/// the store directly (delivery times, backlog, bytes) so that the measurement adds no API load.
/// </summary>
internal sealed class Deployment : IAsyncDisposable
{
    public const string ApiKey = "bench-admin-key-0123456789abcdef01";

    /// <summary>Herald processes of the distributed mode unless <c>--nodes</c> says otherwise.</summary>
    public const int DefaultNodes = 3;

    private readonly List<ServerProcess> _servers;
    private readonly Services? _services;
    private readonly Services? _running;
    private readonly HttpClient[] _clients;
    private int _next;

    private Deployment(Mode mode, List<ServerProcess> servers, Services? services, Services? running, StoreProbe probe)
    {
        Mode = mode;
        _servers = servers;
        _services = services;
        _running = running;
        Probe = probe;
        _clients = [.. servers.Select(s => NewClient(s.BaseAddress))];
    }

    public Mode Mode { get; }

    /// <summary>How the reports name a mode with its number of Herald processes.</summary>
    public static string Describe(Mode mode, int nodes = DefaultNodes) =>
        mode switch
        {
            Mode.Embedded => "embedded: 1 process, SQLite",
            Mode.Distributed => $"distributed: {nodes} process{(nodes == 1 ? "" : "es")}, PostgreSQL + RabbitMQ",
            _ => $"distributed: {nodes} process{(nodes == 1 ? "" : "es")}, PostgreSQL alone (in-process lanes, no broker)",
        };

    /// <summary>How the reports name this deployment.</summary>
    public string Description => Describe(Mode, _servers.Count);

    public StoreProbe Probe { get; }

    public IReadOnlyList<ServerProcess> Servers => _servers;

    /// <summary>The next server's client, round robin (a load balancer's job in production).</summary>
    public HttpClient Client => _clients[(int)((uint)Interlocked.Increment(ref _next) % _clients.Length)];

    /// <summary>
    /// Starts Herald in <paramref name="mode"/> in <paramref name="work"/>, distributed with <paramref name="nodes"/>
    /// processes. Settings that every scenario needs: rate limits high enough that they never defer (the benchmark
    /// measures the pipeline, not the policy), quiet logs, and webhooks allowed to the loopback receiver.
    /// </summary>
    public static async Task<Deployment> StartAsync(Mode mode, Services? shared, string repository, string work, IReadOnlyDictionary<string, string>? extra, Action<string> status, CancellationToken ct,
        int nodes = DefaultNodes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        Directory.CreateDirectory(work);
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["HERALD_BOOTSTRAP_API_KEY"] = ApiKey,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Herald__Pipeline__RateLimits__in_app"] = "100000000/1h",
            ["Herald__Pipeline__RateLimits__email"] = "100000000/1h",
            ["Herald__Pipeline__RateLimits__sms"] = "100000000/1h",
            ["Herald__Pipeline__RateLimits__push"] = "100000000/1h",
            ["Herald__Pipeline__RateLimits__webhook"] = "100000000/1h",
            // The webhook step's receiver listens on 127.0.0.1, which the address guard refuses by default (SSRF).
            ["Herald__Webhooks__AllowPrivateNetworks"] = "true",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        var servers = new List<ServerProcess>();
        Services? services = null;
        try
        {
            if (mode == Mode.Embedded)
            {
                var path = Path.Combine(work, "herald.db");
                settings["Herald__Storage__Sqlite__Path"] = path;
                status("starting Herald (embedded, SQLite)");
                servers.Add(await ServerProcess.StartAsync(settings, work, ct));
                return await ReadyAsync(new Deployment(mode, servers, null, null, StoreProbe.ForSqlite(path)), ct);
            }

            if (shared is null)
            {
                status("starting PostgreSQL and RabbitMQ (scripts/lib/services.sh)");
                services = await Services.StartAsync(repository, Path.Combine(work, "services"), ct);
            }

            var running = shared ?? services!;
            var database = await running.NewDatabaseAsync(ct);
            settings["Herald__Storage__Engine"] = "postgres";
            settings["Herald__Storage__Postgres__ConnectionString"] = database;
            settings["Herald__Transport__Engine"] = mode == Mode.Postgres ? "inprocess" : "rabbitmq";
            if (mode == Mode.Distributed)
            {
                settings["Herald__Transport__RabbitMq__Uri"] = running.RabbitMq.ToString();
                settings["Herald__Transport__RabbitMq__ExchangePrefix"] = new Npgsql.NpgsqlConnectionStringBuilder(database).Database!;
            }

            // The first process migrates; the others start once the schema exists.
            for (var i = 0; i < nodes; i++)
            {
                status($"starting Herald process {i + 1} of {nodes} (PostgreSQL, RabbitMQ)");
                servers.Add(await ServerProcess.StartAsync(settings, work, ct));
            }

            return await ReadyAsync(new Deployment(mode, servers, services, running, StoreProbe.ForPostgres(database)), ct);
        }
        catch
        {
            foreach (var server in servers)
            {
                server.Dispose();
            }

            if (services is not null)
            {
                await services.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>
    /// Publishes the benchmark's templates: <c>bench</c> with one in-app part (a feed item: delivered without a provider
    /// call), <c>bench-capture</c> (SMS to the capture provider) and <c>bench-webhook</c> (a webhook payload, POSTed to
    /// each recipient's endpoints).
    /// </summary>
    private static async Task<Deployment> ReadyAsync(Deployment deployment, CancellationToken ct)
    {
        await deployment.PublishTemplateAsync("bench", new JsonObject
        {
            ["in_app"] = new JsonObject { ["title"] = "Update {{n}}", ["body"] = "Item {{n}} for you" },
        }, ct);
        await deployment.PublishTemplateAsync("bench-capture", new JsonObject
        {
            ["sms"] = new JsonObject { ["body"] = "Code {{n}}" },
        }, ct);
        await deployment.PublishTemplateAsync(WebhookTemplate, new JsonObject
        {
            ["webhook"] = new JsonObject { ["payload"] = new JsonObject { ["n"] = "{{n}}", ["text"] = "Item {{n}} for you" } },
        }, ct);
        return deployment;
    }

    /// <summary>The template whose only channel is webhook.</summary>
    public const string WebhookTemplate = "bench-webhook";

    /// <summary>
    /// Seconds the runtime has spent compiling methods in Herald's processes so far (the sum of their
    /// <c>dotnet_jit_compilation_time_seconds_total</c>); NaN when a process does not expose it.
    /// </summary>
    public async Task<double> JitSecondsAsync(CancellationToken ct)
    {
        const string name = "dotnet_jit_compilation_time_seconds_total ";
        var total = 0.0;
        foreach (var client in _clients)
        {
            var text = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct);
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
            if (line is null || !double.TryParse(line.AsSpan(name.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
            {
                return double.NaN;
            }

            total += seconds;
        }

        return total;
    }

    /// <summary>
    /// The SQLite writer's busy seconds and write transactions so far, from the server's /metrics (embedded only; null
    /// when the server does not expose them).
    /// </summary>
    public async Task<WriterReading?> WriterAsync(CancellationToken ct)
    {
        if (Mode != Mode.Embedded)
        {
            return null;
        }

        const string byOperation = "herald_sqlite_writer_operation_busy_seconds_total{operation=\"";
        var text = await _clients[0].GetStringAsync(new Uri("/metrics", UriKind.Relative), ct);
        double? busy = null, transactions = null, committing = null;
        var operations = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var value = line.LastIndexOf(' ') is var space and > 0 && double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : (double?)null;
            if (line.StartsWith("herald_sqlite_writer_busy_seconds_total ", StringComparison.Ordinal))
            {
                busy = value;
            }
            else if (line.StartsWith("herald_sqlite_writer_commit_seconds_total ", StringComparison.Ordinal))
            {
                committing = value;
            }
            else if (line.StartsWith("herald_sqlite_writer_transactions_total ", StringComparison.Ordinal))
            {
                transactions = value;
            }
            else if (line.StartsWith(byOperation, StringComparison.Ordinal) && value is { } seconds)
            {
                operations[line[byOperation.Length..line.IndexOf('"', byOperation.Length)]] = seconds;
            }
        }

        return busy is { } b && transactions is { } t ? new WriterReading(b, t, committing ?? 0, operations) : null;
    }

    /// <summary>Registers an enabled webhook endpoint of <paramref name="recipientId"/> for every event type; returns its signing secret.</summary>
    public async Task<string> CreateWebhookEndpointAsync(string recipientId, Uri url, CancellationToken ct)
    {
        var body = new JsonObject { ["recipient_id"] = recipientId, ["url"] = url.ToString(), ["description"] = "bench receiver" };
        using var created = await Client.PostAsync(new Uri("/api/v1/webhook-endpoints", UriKind.Relative), Json(body), ct);
        await EnsureAsync(created, ct);
        var answer = JsonNode.Parse(await created.Content.ReadAsStringAsync(ct));
        return answer?["secret"]?.GetValue<string>() ?? throw new InvalidOperationException("POST /api/v1/webhook-endpoints answered without a secret");
    }

    public async Task PublishTemplateAsync(string id, JsonObject channels, CancellationToken ct)
    {
        var body = new JsonObject { ["template_id"] = id, ["variables"] = new JsonArray("n"), ["channels"] = channels };
        using (var created = await Client.PostAsync(new Uri("/api/v1/templates", UriKind.Relative), Json(body), ct))
        {
            await EnsureAsync(created, ct);
        }

        using var published = await Client.PostAsync(new Uri($"/api/v1/templates/{id}/versions/1/publish", UriKind.Relative), null, ct);
        await EnsureAsync(published, ct);
    }

    public static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    public static async Task EnsureAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }
    }

    /// <summary>Resident memory of every server process, summed (bytes): now and the sum of peaks.</summary>
    public (long Current, long Peak) Memory()
    {
        long current = 0, peak = 0;
        foreach (var server in _servers)
        {
            var (c, p) = server.Memory();
            current += c;
            peak += p;
        }

        return (current, peak);
    }

    public TimeSpan CpuTime => TimeSpan.FromTicks(_servers.Sum(s => s.CpuTime.Ticks));

    /// <summary>
    /// CPU used so far by every process doing Herald's work (Herald's, and distributed PostgreSQL's and RabbitMQ's
    /// process trees) and, apart, by the benchmark's own process; see <see cref="CpuMeter"/>. Embedded, the services
    /// (idle, or not started) are not counted: NaN.
    /// </summary>
    public CpuSample Cpu() => CpuMeter.Read(new CpuRoots([.. _servers.Select(s => s.Pid)],
        Mode != Mode.Embedded ? _running?.PostgresPid : null, Mode == Mode.Distributed ? _running?.RabbitMqPid : null));

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        // HERALD_BENCH_SERVER_LOGS=<folder> keeps the last lines each server wrote, for looking into a surprising figure.
        var logs = Environment.GetEnvironmentVariable("HERALD_BENCH_SERVER_LOGS");
        for (var i = 0; i < _servers.Count; i++)
        {
            if (!string.IsNullOrEmpty(logs))
            {
                Directory.CreateDirectory(logs);
                await File.WriteAllTextAsync(Path.Combine(logs, $"{Mode}-{i + 1}.log".ToLowerInvariant()), _servers[i].RecentOutput);
            }

            _servers[i].Dispose();
        }

        await Probe.DisposeAsync();
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
    }

    private static HttpClient NewClient(Uri baseAddress)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 512,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseCookies = false,
            UseProxy = false,
        };
        var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        return client;
    }
}

/// <summary>The SQLite writer's counters at one moment: busy seconds, transactions, commit seconds, busy seconds per store operation.</summary>
internal sealed record WriterReading(double Busy, double Transactions, double Committing, IReadOnlyDictionary<string, double> Operations);
