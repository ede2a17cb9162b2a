namespace Herald.Server.Api;

/// <summary>
/// Routes guarded by ASP.NET Core's authorization: <see cref="RequireScope{TBuilder}"/> (an API key with a scope) and
/// <see cref="RequireFeedAccess{TBuilder}"/> (a subscriber token or content:read), with the problems they answer.
/// </summary>
/// <remarks>
/// Authorization runs before the handler reads the body, so an unauthenticated request costs a hash and, for a key this
/// process has not cached, one store read; an address that keeps failing is refused before that read (<see cref="AuthFailureLimiter"/>).
/// </remarks>
internal static class Auth
{
    // Every guarded endpoint may answer these; the OpenAPI document lists them.
    private static readonly object[] AuthProblems = [.. new[] { 401, 403, 429 }.Select(status =>
        (object)new ProducesResponseTypeMetadata(status, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]))];

    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(AuthProblems).RequireAuthorization(AuthPolicies.Scope(scope));

    /// <summary>The subscriber token of the user named in the route holding <paramref name="subscriberScope"/> (default feed:read), or a key with content:read (a feed is rendered content).</summary>
    public static TBuilder RequireFeedAccess<TBuilder>(this TBuilder builder, string subscriberScope = SubscriberScopes.FeedRead)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireSubscriberAccess(subscriberScope, ApiKeys.ContentRead);

    /// <summary>
    /// End-user routes: the subscriber token of the user named in the route (or, on a route without <c>{user_id}</c>, its
    /// own user) holding <paramref name="subscriberScope"/>, or an API key holding <paramref name="keyScope"/>.
    /// </summary>
    public static TBuilder RequireSubscriberAccess<TBuilder>(this TBuilder builder, string subscriberScope, string keyScope)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(AuthProblems).RequireAuthorization(AuthPolicies.Subscriber(subscriberScope, keyScope));

    /// <summary>
    /// An end-user route outside the feed (<see cref="RequireSubscriberAccess"/>), open to any origin (CORS) like the feed:
    /// the browser sends no API key across origins, only the token header.
    /// </summary>
    public static TBuilder RequireSubscriberOr<TBuilder>(this TBuilder builder, string keyScope, string subscriberScope)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireSubscriberAccess(subscriberScope, keyScope).RequireCors(FeedEndpoints.CorsPolicy);

    /// <summary>Whether the caller may see rendered content and unmasked addresses (content:read or admin, or a subscriber token on its own feed).</summary>
    public static bool CanReadContent(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.User.HasClaim(c => c.Type == AuthSchemes.SubscriberClaim) || CallerAllows(http, ApiKeys.ContentRead);
    }

    /// <summary>Whether the authenticated key holds <paramref name="scope"/>, for handlers whose needed scope depends on the request.</summary>
    public static bool CallerAllows(HttpContext http, string scope)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.User.HasClaim(c => c.Type == AuthSchemes.KeyIdClaim) && ApiKeys.Allows(AuthSchemes.ScopesOf(http.User), scope);
    }

    /// <summary>403 naming the scope, and the other names that grant it, so the operator knows which key to make.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Forbidden(string scope)
    {
        var alias = ApiKeys.Aliases.FirstOrDefault(a => a.Value == scope).Key;
        var also = scope == ApiKeys.Admin ? "" : alias is null ? " (or 'admin')" : $" (or '{alias}', its earlier name, or 'admin')";
        return Problems.Plain(403, "forbidden", "Forbidden.", $"this API key lacks the '{scope}' scope{also}");
    }

    /// <summary>403 for an end user's token without the route's end-user scope.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult ForbiddenSubscriber(string scope) =>
        Problems.Plain(403, "forbidden", "Forbidden.", $"this subscriber token lacks the '{scope}' scope");

    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Unauthorized(string detail) => Problems.Plain(401, "unauthorized", "Unauthorized.", detail);

    public static RetryAfterResult TooMany(TimeSpan wait) =>
        new(Problems.Plain(429, "too-many-auth-failures", "Too many failed authentications.",
            "this address sent too many wrong API keys or subscriber tokens; retry after the delay"), Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)));

    /// <summary><c>GET /api/v1/me</c>: the calling key's id, scopes and environment (the dashboard shows admin actions only to admin keys).</summary>
    public static void MapMe(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/me", (HttpContext http) =>
            TypedResults.Ok(new KeyResponse(http.User.FindFirst(AuthSchemes.KeyIdClaim)!.Value, [.. AuthSchemes.ScopesOf(http.User)], AuthSchemes.EnvironmentOf(http.User))))
            .WithTags("Auth").RequireAuthorization(AuthPolicies.AnyKey).Produces<KeyResponse>().ProducesProblem(401).ProducesProblem(429);
}
