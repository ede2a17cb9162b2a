using Herald.Server.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Herald.Server.Api;

/// <summary>
/// /healthz (the process answers) and /readyz (the checks of <see cref="ReadinessChecks"/>, run by ASP.NET Core's
/// <see cref="HealthCheckService"/>). /readyz is a route handler rather than <c>MapHealthChecks</c> so that it keeps its
/// typed responses in the OpenAPI document: 200 when every check is healthy or degraded, 503 otherwise.
/// </summary>
internal static class HealthEndpoints
{
    public static void MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new HealthResponse("ok", HeraldVersion.Current, []))).WithTags("Health");
        app.MapGet("/readyz", ReadyAsync).WithTags("Health").Produces<HealthResponse>().Produces<HealthResponse>(503);
    }

    private static async Task<IResult> ReadyAsync(HealthCheckService health, CancellationToken ct)
    {
        var report = await health.CheckHealthAsync(ct);

        // A check that threw carries the exception's message as its description: not for an anonymous answer.
        var checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Exception is null ? e.Value.Description ?? "" : "failing: error", StringComparer.Ordinal);
        var body = new HealthResponse(report.Status switch
        {
            HealthStatus.Healthy => "ready",
            HealthStatus.Degraded => "degraded",
            _ => "not ready",
        }, HeraldVersion.Current, checks);
        return report.Status == HealthStatus.Unhealthy ? TypedResults.Json(body, ApiJson.Default.HealthResponse, statusCode: 503) : TypedResults.Ok(body);
    }
}
