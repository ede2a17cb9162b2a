using Herald.Core.Pipeline;
using Herald.Core.Storage;
using Herald.Core.Transport;
using Herald.Server.Hosting;

namespace Herald.Server.Api;

internal static class HealthEndpoints
{
    private static readonly string[] InProcess = ["planner", "lanes", "sweeper"];
    private static readonly string[] DistributedWorker = ["planner", "lanes"];
    private static readonly string[] DistributedScheduler = ["relay", "sweeper"];

    public static void MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new HealthResponse("ok", []))).WithTags("Health");
        app.MapGet("/readyz", ReadyAsync).WithTags("Health").Produces<HealthResponse>().Produces<HealthResponse>(503);
    }

    private static async Task<IResult> ReadyAsync(IApiKeyStore store, WorkerHealth workers, HeraldRoles roles, HeraldEngines engines, StoreStartup startup,
        IServiceProvider services, CancellationToken ct)
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
                checks["store"] = $"failing ({engine}): {ex.GetType().Name}: {ex.Message}";
            }
        }

        if (services.GetService<IWorkTransport>() is { } transport)
        {
            var (ok, reason) = transport.Health;
            checks["transport"] = ok ? "ok (rabbitmq)" : $"failing (rabbitmq): {reason}";
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

        var ready = checks.Values.All(v => v.StartsWith("ok", StringComparison.Ordinal));
        var body = new HealthResponse(ready ? "ready" : "not ready", checks);
        return ready ? TypedResults.Ok(body) : TypedResults.Json(body, ApiJson.Default.HealthResponse, statusCode: 503);
    }
}
