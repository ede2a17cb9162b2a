using Herald.Core.Pipeline;
using Herald.Core.Storage;
using Herald.Core.Transport;
using Herald.Providers.Routing;
using Herald.Server.Hosting;

namespace Herald.Server.Api;

internal static partial class HealthEndpoints
{
    private static readonly string[] InProcess = ["planner", "lanes", "sweeper"];
    private static readonly string[] DistributedWorker = ["planner", "lanes"];
    private static readonly string[] DistributedScheduler = ["relay", "sweeper"];

    public static void MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new HealthResponse("ok", HeraldVersion.Current, []))).WithTags("Health");
        app.MapGet("/readyz", ReadyAsync).WithTags("Health").Produces<HealthResponse>().Produces<HealthResponse>(503);
    }

    private static async Task<IResult> ReadyAsync(IApiKeyStore store, WorkerHealth workers, HeraldRoles roles, HeraldEngines engines, StoreStartup startup,
        ProviderRegistry providers, IServiceProvider services, ILoggerFactory loggers, CancellationToken ct)
    {
        var checks = new Dictionary<string, string>(StringComparer.Ordinal);
        var engine = engines.Postgres ? "postgres" : "sqlite";
        if (!startup.Ready)
        {
            checks["store"] = $"failing ({engine}): {startup.Failure}";
        }
        else
        {
            try
            {
                await store.CountApiKeysAsync(ct);
                checks["store"] = $"ok ({engine})";
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // /readyz is anonymous: an exception message names hosts, ports and users, so it goes to the log only.
                LogStoreCheckFailed(loggers.CreateLogger("Herald.Health"), ex);
                checks["store"] = $"failing ({engine}): unavailable";
            }
        }

        if (services.GetService<IWorkTransport>() is { } transport)
        {
            // The connection logs why it is down (with the exception); the anonymous answer only says that it is.
            var (ok, _) = transport.Health;
            checks["transport"] = ok ? "ok (rabbitmq)" : "failing (rabbitmq): unreachable";
        }
        else
        {
            checks["transport"] = "ok (in-process)";
        }

        var expected = engines.RabbitMq
            ? (roles.Worker ? DistributedWorker : []).Concat(roles.Scheduler ? DistributedScheduler : [])
            : roles.Worker || roles.Scheduler ? InProcess : [];
        foreach (var name in expected)
        {
            checks[name] = workers.HasStarted(name) ? "ok" : "not started";
        }

        // A provider whose circuit is open degrades the process but does not fail it: the router fails over, and a
        // load balancer that took the process out would only move the same provider's outage to another one.
        foreach (var route in providers.Routers.Values.SelectMany(r => r.Routes).DistinctBy(r => r.Name))
        {
            checks[$"provider:{route.Name}"] = route.IsOpen || route.State == "half_open" ? $"degraded (circuit {route.State})" : $"ok (circuit {route.State})";
        }

        var ready = checks.Values.All(v => v.StartsWith("ok", StringComparison.Ordinal) || v.StartsWith("degraded", StringComparison.Ordinal));
        var degraded = checks.Values.Any(v => v.StartsWith("degraded", StringComparison.Ordinal));
        var body = new HealthResponse(!ready ? "not ready" : degraded ? "degraded" : "ready", HeraldVersion.Current, checks);
        return ready ? TypedResults.Ok(body) : TypedResults.Json(body, ApiJson.Default.HealthResponse, statusCode: 503);
    }

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "The /readyz store check failed")]
    private static partial void LogStoreCheckFailed(ILogger logger, Exception exception);
}
