using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Herald.Server.Api;

/// <summary>
/// One policy per scope (an API key holding it), one for any valid key, and one per end-user route kind: the subscriber token
/// of the route's user, or an API key with the scope an operator needs for the same route (<see cref="SubscriberOr"/>).
/// </summary>
internal static class AuthPolicies
{
    public const string AnyKey = "key";
    public const string Feed = "feed";

    /// <summary>The end-user routes' requirements: the key scope each asks of an API key, the token scope of a subscriber.</summary>
    public static readonly SubscriberOrScopeRequirement[] EndUser =
    [
        new(ApiKeys.ContentRead, SubscriberScopes.FeedRead),
        new(ApiKeys.NotificationsRead, SubscriberScopes.PreferencesRead),
        new(ApiKeys.UsersWrite, SubscriberScopes.PreferencesWrite),
        new(ApiKeys.NotificationsRead, SubscriberScopes.DevicesWrite),
        new(ApiKeys.UsersWrite, SubscriberScopes.DevicesWrite),
    ];

    public static string Scope(string scope) => "scope:" + scope;

    /// <summary>The policy of an end-user route: the route's user's subscriber token (with <paramref name="subscriberScope"/>), or a key with <paramref name="keyScope"/>.</summary>
    public static string SubscriberOr(string keyScope, string subscriberScope) =>
        keyScope == ApiKeys.ContentRead && subscriberScope == SubscriberScopes.FeedRead ? Feed : $"subscriber:{subscriberScope}|scope:{keyScope}";

    public static IServiceCollection AddHeraldAuth(this IServiceCollection services)
    {
        services.AddAuthentication()
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(AuthSchemes.ApiKey, null)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, SubscriberTokenAuthenticationHandler>(AuthSchemes.SubscriberToken, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(AnyKey, p => p.AddAuthenticationSchemes(AuthSchemes.ApiKey).RequireAuthenticatedUser());
        services.AddAuthorization(o =>
        {
            foreach (var scope in ApiKeys.Scopes)
            {
                o.AddPolicy(Scope(scope), p => p.AddAuthenticationSchemes(AuthSchemes.ApiKey).AddRequirements(new ScopeRequirement(scope)));
            }

            // The subscriber token's scheme first: a request carrying a token is judged by it alone (the key handler stands aside).
            foreach (var r in EndUser)
            {
                o.AddPolicy(SubscriberOr(r.KeyScope, r.SubscriberScope), p => p.AddAuthenticationSchemes(AuthSchemes.SubscriberToken, AuthSchemes.ApiKey).AddRequirements(r));
            }
        });
        services.AddSingleton<IAuthorizationHandler, ScopeAuthorizationHandler>();
        services.AddSingleton<IAuthorizationHandler, SubscriberOrScopeAuthorizationHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AuthResultHandler>();
        return services;
    }
}

/// <summary>An API key holding <see cref="Scope"/> (or one that implies it).</summary>
internal sealed record ScopeRequirement(string Scope) : IAuthorizationRequirement;

/// <summary>
/// The subscriber token of the route's <c>{user_id}</c>, or an API key holding <see cref="KeyScope"/>. A token that carries
/// scopes (claims of type <see cref="AuthSchemes.ScopeClaim"/>) must hold <see cref="SubscriberScope"/> (or one implying it,
/// <see cref="SubscriberScopes.Allows"/>); a token that carries none reaches all of its user's end-user routes.
/// </summary>
internal sealed record SubscriberOrScopeRequirement(string KeyScope, string SubscriberScope) : IAuthorizationRequirement;

/// <summary>What a subscriber token may be limited to; without any, a token reaches every end-user route of its user.</summary>
internal static class SubscriberScopes
{
    public const string FeedRead = "feed:read";
    public const string PreferencesRead = "preferences:read";
    public const string PreferencesWrite = "preferences:write";

    /// <summary>Listing, registering and removing the user's push devices, and reporting a push opened on one.</summary>
    public const string DevicesWrite = "devices:write";

    public static bool Allows(IReadOnlyList<string> held, string needed) =>
        held.Contains(needed) || (needed == PreferencesRead && held.Contains(PreferencesWrite));
}

internal sealed class ScopeAuthorizationHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if (context.User.HasClaim(c => c.Type == AuthSchemes.KeyIdClaim) && ApiKeys.Allows(AuthSchemes.ScopesOf(context.User), requirement.Scope))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

internal sealed class SubscriberOrScopeAuthorizationHandler : AuthorizationHandler<SubscriberOrScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, SubscriberOrScopeRequirement requirement)
    {
        var scopes = AuthSchemes.ScopesOf(context.User);
        var viaToken = context.User.FindFirst(AuthSchemes.SubscriberClaim)?.Value is { } subscriber && subscriber == RouteUser(context)
            && (scopes.Count == 0 || SubscriberScopes.Allows(scopes, requirement.SubscriberScope));
        var viaKey = context.User.HasClaim(c => c.Type == AuthSchemes.KeyIdClaim) && ApiKeys.Allows(scopes, requirement.KeyScope);
        if (viaToken || viaKey)
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }

    private static string? RouteUser(AuthorizationHandlerContext context) => (context.Resource as HttpContext)?.Request.RouteValues["user_id"] as string;
}

/// <summary>
/// Writes the refusals as RFC 9457 problems: the handler's 401 or 429 when one refused, else 401 for no credential, else
/// 403 naming the scope the caller lacks.
/// </summary>
internal sealed class AuthResultHandler : IAuthorizationMiddlewareResultHandler
{
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (authorizeResult.Succeeded)
        {
            await next(context);
            return;
        }

        await Answer(context, authorizeResult).ExecuteAsync(context);
    }

    private static IResult Answer(HttpContext context, PolicyAuthorizationResult result)
    {
        if (AuthRefusal.Of(context) is { } refusal)
        {
            return refusal.Status == 429 ? Auth.TooMany(refusal.RetryAfter ?? TimeSpan.FromMinutes(1)) : Auth.Unauthorized(refusal.Detail);
        }

        if (result.Challenged)
        {
            return Auth.Unauthorized("send an API key as 'Authorization: Bearer <key>'");
        }

        var failed = result.AuthorizationFailure?.FailedRequirements.FirstOrDefault();
        if (failed is SubscriberOrScopeRequirement endUser && context.User.FindFirst(AuthSchemes.SubscriberClaim)?.Value is { } subscriber)
        {
            // Never a hint about the other user beyond that the token is not theirs.
            return context.Request.RouteValues["user_id"] as string == subscriber
                ? Problems.Plain(403, "forbidden", "Forbidden.", $"this subscriber token lacks the '{endUser.SubscriberScope}' scope")
                : Problems.Plain(403, "forbidden", "Forbidden.", "a subscriber token reaches its own user's routes only");
        }

        return Auth.Forbidden(failed switch
        {
            ScopeRequirement scope => scope.Scope,
            SubscriberOrScopeRequirement endUserKey => endUserKey.KeyScope,
            _ => ApiKeys.ContentRead,
        });
    }
}
