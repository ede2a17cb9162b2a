using Herald.Core.Domain;

namespace Herald.Server.Api;

/// <summary>Endpoint filters: <c>Authorization: Bearer &lt;key&gt;</c> with a scope, or a subscriber token for one user's feed.</summary>
/// <remarks>
/// The filters run before the handler reads the body, so an unauthenticated request costs a hash and, for a key this
/// process has not seen, one store read; an address that keeps failing is refused before that read (<see cref="AuthFailureLimiter"/>).
/// </remarks>
internal static class Auth
{
    private static readonly object ContentAccess = new();

    // Every guarded endpoint may answer these; the OpenAPI document lists them.
    private static readonly object[] AuthProblems = [.. new[] { 401, 403, 429 }.Select(status =>
        (object)new ProducesResponseTypeMetadata(status, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]))];

    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(AuthProblems).AddEndpointFilter(async (context, next) =>
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

            context.HttpContext.Items[ContentAccess] = ApiKeys.Allows(key!, ApiKeys.ContentRead);
            context.HttpContext.Items[typeof(ApiKey)] = key;
            return await next(context);
        });

    /// <summary>Whether the caller may see rendered content and unmasked addresses (content:read or admin, or a subscriber token on its own feed).</summary>
    public static bool CanReadContent(HttpContext http) => http.Items[ContentAccess] is true;

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
        }).WithTags("Auth").Produces<KeyResponse>().ProducesProblem(401).ProducesProblem(429);

    /// <summary>
    /// The subscriber token of the user named in the route, or a key with content:read (a feed is rendered content).
    /// </summary>
    public static TBuilder RequireFeedAccess<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(AuthProblems).AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var userId = http.Request.RouteValues["user_id"] as string ?? "";
            var token = http.Request.Headers["X-Herald-Subscriber-Token"].FirstOrDefault() ?? http.Request.Query["token"].FirstOrDefault();
            if (token is not null)
            {
                if (http.RequestServices.GetRequiredService<SubscriberTokens>().IsValid(userId, token))
                {
                    http.Items[ContentAccess] = true;
                    return await next(context);
                }

                return Refuse(http, "invalid_token", "the subscriber token is not valid for this user");
            }

            var (key, problem) = await AuthenticateAsync(http);
            if (problem is not null)
            {
                return problem;
            }

            if (!ApiKeys.Allows(key!, ApiKeys.ContentRead))
            {
                return Forbidden(ApiKeys.ContentRead);
            }

            http.Items[ContentAccess] = true;
            return await next(context);
        });

    private static async Task<(ApiKey? Key, IResult? Problem)> AuthenticateAsync(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.FirstOrDefault();
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problems.Plain(401, "unauthorized", "Unauthorized.", "send an API key as 'Authorization: Bearer <key>'"));
        }

        var keys = http.RequestServices.GetRequiredService<ApiKeys>();
        var given = header["Bearer ".Length..].Trim();
        if (keys.FindCached(given) is { } known)
        {
            return (known, null);
        }

        var limiter = http.RequestServices.GetRequiredService<AuthFailureLimiter>();
        var address = AuthFailureLimiter.AddressOf(http);
        if (limiter.Blocked(address) is { } wait)
        {
            return (null, TooMany(wait));
        }

        var key = await keys.FindAsync(given, http.RequestAborted);
        if (key is null)
        {
            limiter.Fail(address, "invalid_key");
            return (null, Problems.Plain(401, "unauthorized", "Unauthorized.", "the API key is not valid"));
        }

        return (key, null);
    }

    private static IResult Refuse(HttpContext http, string reason, string detail)
    {
        var limiter = http.RequestServices.GetRequiredService<AuthFailureLimiter>();
        var address = AuthFailureLimiter.AddressOf(http);
        if (limiter.Blocked(address) is { } wait)
        {
            return TooMany(wait);
        }

        limiter.Fail(address, reason);
        return Problems.Plain(401, "unauthorized", "Unauthorized.", detail);
    }

    private static RetryAfterResult TooMany(TimeSpan wait) =>
        new(Problems.Plain(429, "too-many-auth-failures", "Too many failed authentications.",
            "this address sent too many wrong API keys or subscriber tokens; retry after the delay"), Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)));
}
