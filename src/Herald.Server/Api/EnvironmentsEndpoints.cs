using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Server.Api;

/// <summary>
/// <c>/api/v1/apps</c> and <c>/api/v1/environments</c> (admin scope): the deployment's tenants and their environments.
/// An environment is where every resource lives; a key reaches one environment (<see cref="KeysEndpoints"/>).
/// </summary>
internal static class EnvironmentsEndpoints
{
    public static void MapEnvironments(this IEndpointRouteBuilder app)
    {
        var apps = app.MapGroup("/api/v1/apps").WithTags("Environments").RequireScope(ApiKeys.Admin);
        apps.MapPost("/", CreateAppAsync).Accepts<AppRequest>("application/json").Produces<AppResponse>(201).ProducesProblem(400).ProducesProblem(409)
            .WithSummary("Creates an app (tenant); give it environments with POST /api/v1/environments");
        apps.MapGet("/", ListAppsAsync).Produces<AppList>().WithSummary("Every app, oldest first");
        apps.MapGet("/{id}", GetAppAsync).Produces<AppResponse>().ProducesProblem(404);

        var environments = app.MapGroup("/api/v1/environments").WithTags("Environments").RequireScope(ApiKeys.Admin);
        environments.MapPost("/", CreateEnvironmentAsync).Accepts<EnvironmentRequest>("application/json").Produces<EnvironmentResponse>(201)
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409)
            .WithSummary("Creates an environment of an app; make keys for it with POST /api/v1/keys and 'environment'");
        environments.MapGet("/", ListEnvironmentsAsync).Produces<EnvironmentList>().ProducesProblem(400)
            .WithSummary("The environments of one app (app_id) or of every app, oldest first");
        environments.MapGet("/{id}", GetEnvironmentAsync).Produces<EnvironmentResponse>().ProducesProblem(404);
    }

    private static async Task<IResult> CreateAppAsync(HttpRequest request, IAppStore store, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, ApiJson.Default.AppRequest, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        if (Validate.Name("name", body.Value!.Name) is { } bad)
        {
            return bad;
        }

        var now = StoredTime.Now(time);
        var made = new App("app_" + Guid.CreateVersion7(now).ToString("N"), body.Value.Name!, now);
        if (!await store.CreateAppAsync(made, ct))
        {
            return Problems.Conflict("app-exists", $"an app named '{made.Name}' exists");
        }

        await audit.RecordAsync(request.HttpContext, Core.Audit.AuditActions.AppCreated, made.Id, new JsonObject { ["name"] = made.Name });
        return TypedResults.Created($"/api/v1/apps/{made.Id}", Response(made));
    }

    private static async Task<IResult> ListAppsAsync(IAppStore store, CancellationToken ct) =>
        TypedResults.Ok(new AppList([.. (await store.ListAppsAsync(ct)).Select(Response)]));

    private static async Task<IResult> GetAppAsync(string id, IAppStore store, CancellationToken ct) =>
        await store.GetAppAsync(id, ct) is { } found ? TypedResults.Ok(Response(found)) : Problems.NotFound("app", id);

    private static async Task<IResult> CreateEnvironmentAsync(HttpRequest request, IAppStore store, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, ApiJson.Default.EnvironmentRequest, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var r = body.Value!;
        if ((Validate.Name("app_id", r.AppId) ?? Validate.Name("name", r.Name)) is { } bad)
        {
            return bad;
        }

        if (await store.GetAppAsync(r.AppId!, ct) is null)
        {
            return Problems.NotFound("app", r.AppId!);
        }

        var now = StoredTime.Now(time);
        var made = new AppEnvironment("env_" + Guid.CreateVersion7(now).ToString("N"), r.AppId!, r.Name!, now);
        if (!await store.CreateEnvironmentAsync(made, ct))
        {
            return Problems.Conflict("environment-exists", $"app '{made.AppId}' has an environment named '{made.Name}'");
        }

        await audit.RecordAsync(request.HttpContext, Core.Audit.AuditActions.EnvironmentCreated, made.Id, new JsonObject { ["app_id"] = made.AppId, ["name"] = made.Name });
        return TypedResults.Created($"/api/v1/environments/{made.Id}", Response(made));
    }

    private static async Task<IResult> ListEnvironmentsAsync(string? app_id, IAppStore store, CancellationToken ct)
    {
        if (app_id is not null && Validate.Name("app_id", app_id) is { } bad)
        {
            return bad;
        }

        return TypedResults.Ok(new EnvironmentList([.. (await store.ListEnvironmentsAsync(app_id, ct)).Select(Response)]));
    }

    private static async Task<IResult> GetEnvironmentAsync(string id, IAppStore store, CancellationToken ct) =>
        await store.GetEnvironmentAsync(id, ct) is { } found ? TypedResults.Ok(Response(found)) : Problems.NotFound("environment", id);

    private static AppResponse Response(App a) => new(a.Id, a.Name, a.CreatedAt);

    private static EnvironmentResponse Response(AppEnvironment e) => new(e.Id, e.AppId, e.Name, e.CreatedAt);
}
