using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Herald.Server.Api;

/// <summary>
/// One policy per scope (an API key holding it), one per end-user scope and key scope (the route user's subscriber
/// token with the one, or a key with the other), one for any valid key.
/// </summary>
internal static class AuthPolicies
{
    public const string AnyKey = "key";
    public const string SubscriberPrefix = "subscriber:";

    /// <summary>The feed's read routes: the user's token with feed:read, or a key with content:read (a feed is rendered content).</summary>
    public static readonly string Feed = Subscriber(SubscriberScopes.FeedRead, ApiKeys.ContentRead);

    public static string Scope(string scope) => "scope:" + scope;

    /// <summary>The policy of routes an end user reaches with a token holding <paramref name="subscriberScope"/>, and a backend with a key holding <paramref name="keyScope"/>.</summary>
    public static string Subscriber(string subscriberScope, string keyScope) => SubscriberPrefix + subscriberScope + "|" + keyScope;

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
                foreach (var subscriberScope in SubscriberScopes.All)
                {
                    o.AddPolicy(Subscriber(subscriberScope, scope), p => p.AddAuthenticationSchemes(AuthSchemes.SubscriberToken, AuthSchemes.ApiKey)
                        .AddRequirements(new SubscriberAccessRequirement(subscriberScope, scope)));
                }
            }

        });
        services.AddSingleton<IAuthorizationHandler, ScopeAuthorizationHandler>();
        services.AddSingleton<IAuthorizationHandler, SubscriberAccessAuthorizationHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AuthResultHandler>();
        return services;
    }
}

/// <summary>An API key holding <see cref="Scope"/> (or one that implies it).</summary>
internal sealed record ScopeRequirement(string Scope) : IAuthorizationRequirement;

/// <summary>The subscriber token (or stream ticket) of the route's user holding <see cref="SubscriberScope"/>, or an API key holding <see cref="KeyScope"/>.</summary>
internal sealed record SubscriberAccessRequirement(string SubscriberScope, string KeyScope) : IAuthorizationRequirement;

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

internal sealed class SubscriberAccessAuthorizationHandler : AuthorizationHandler<SubscriberAccessRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, SubscriberAccessRequirement requirement)
    {
        var http = context.Resource as HttpContext;
        // The handler already refused a token of another user; a route without {user_id} acts on the token's own user.
        var user = http?.Request.RouteValues["user_id"] as string;
        var viaToken = context.User.FindFirst(AuthSchemes.SubscriberClaim)?.Value is { } subscriber && (user is null || subscriber == user)
            && SubscriberScopes.Allows(context.User, requirement.SubscriberScope);
        var viaKey = context.User.HasClaim(c => c.Type == AuthSchemes.KeyIdClaim) && ApiKeys.Allows(AuthSchemes.ScopesOf(context.User), requirement.KeyScope);
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

        return result.AuthorizationFailure?.FailedRequirements.FirstOrDefault() switch
        {
            ScopeRequirement scope => Auth.Forbidden(scope.Scope),
            // An end user's token (the handler checked whose it is) that lacks the route's end-user scope.
            SubscriberAccessRequirement subscriber when context.User.HasClaim(c => c.Type == AuthSchemes.SubscriberClaim) =>
                Auth.ForbiddenSubscriber(subscriber.SubscriberScope),
            SubscriberAccessRequirement subscriber => Auth.Forbidden(subscriber.KeyScope),
            _ => Auth.Forbidden(ApiKeys.ContentRead),
        };
    }
}
