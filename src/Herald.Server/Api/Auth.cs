using Herald.Core.Domain;

namespace Herald.Server.Api;

/// <summary>Endpoint filters: <c>Authorization: Bearer &lt;key&gt;</c> with a scope, or a subscriber token for one user's feed.</summary>
internal static class Auth
{
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var (key, problem) = await AuthenticateAsync(context.HttpContext);
            if (problem is not null)
            {
                return problem;
            }

            if (!ApiKeys.Allows(key!, scope))
            {
                return Forbidden(scope);
            }

            context.HttpContext.Items[typeof(ApiKey)] = key;
            return await next(context);
        });

    /// <summary>The key <see cref="RequireScope"/> authenticated, for handlers whose needed scope depends on the request.</summary>
    public static bool CallerAllows(HttpContext http, string scope) =>
        http.Items[typeof(ApiKey)] is ApiKey key && ApiKeys.Allows(key, scope);

    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Forbidden(string scope) => Problems.Plain(403, "forbidden", "Forbidden.", $"this API key lacks the '{scope}' scope");

    /// <summary><c>GET /api/v1/me</c>: the calling key's id and scopes (the dashboard shows admin actions only to admin keys).</summary>
    public static void MapMe(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/me", async (HttpContext http) =>
        {
            var (key, problem) = await AuthenticateAsync(http);
            return problem ?? TypedResults.Ok(new KeyResponse(key!.Id, [.. key.Scopes]));
        }).WithTags("Auth").Produces<KeyResponse>().ProducesProblem(401);

    /// <summary>A key with read scope, or the subscriber token of the user named in the route.</summary>
    public static TBuilder RequireFeedAccess<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var userId = http.Request.RouteValues["user_id"] as string ?? "";
            var token = http.Request.Headers["X-Herald-Subscriber-Token"].FirstOrDefault() ?? http.Request.Query["token"].FirstOrDefault();
            if (token is not null)
            {
                return http.RequestServices.GetRequiredService<SubscriberTokens>().IsValid(userId, token)
                    ? await next(context)
                    : Problems.Plain(401, "unauthorized", "Unauthorized.", "the subscriber token is not valid for this user");
            }

            var (key, problem) = await AuthenticateAsync(http);
            if (problem is not null)
            {
                return problem;
            }

            return ApiKeys.Allows(key!, ApiKeys.ReadScope) ? await next(context) : Forbidden(ApiKeys.ReadScope);
        });

    private static async Task<(ApiKey? Key, IResult? Problem)> AuthenticateAsync(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.FirstOrDefault();
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problems.Plain(401, "unauthorized", "Unauthorized.", "send an API key as 'Authorization: Bearer <key>'"));
        }

        var key = await http.RequestServices.GetRequiredService<ApiKeys>().FindAsync(header["Bearer ".Length..].Trim(), http.RequestAborted);
        return key is null ? (null, Problems.Plain(401, "unauthorized", "Unauthorized.", "the API key is not valid")) : (key, null);
    }
}
