using Herald.Core.Pipeline;
using Herald.Core.Storage;
using Herald.Server.Hosting;

namespace Herald.Server.Api;

internal static class HealthEndpoints
{
    public static void MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new HealthResponse("ok", []))).WithTags("Health");
        app.MapGet("/readyz", ReadyAsync).WithTags("Health").Produces<HealthResponse>().Produces<HealthResponse>(503);
    }

    private static async Task<IResult> ReadyAsync(IApiKeyStore store, WorkerHealth workers, HeraldRoles roles, CancellationToken ct)
    {
        var checks = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            await store.CountApiKeysAsync(ct);
            checks["store"] = "ok";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            checks["store"] = "failing: " + ex.GetType().Name;
        }

        checks["transport"] = "ok (in-process)";
        if (roles.Worker)
        {
            foreach (var name in new[] { "planner", "lanes", "sweeper" })
            {
                checks[name] = workers.HasStarted(name) ? "ok" : "not started";
            }
        }

        var ready = checks.Values.All(v => v.StartsWith("ok", StringComparison.Ordinal));
        var body = new HealthResponse(ready ? "ready" : "not ready", checks);
        return ready ? TypedResults.Ok(body) : TypedResults.Json(body, ApiJson.Default.HealthResponse, statusCode: 503);
    }
}
