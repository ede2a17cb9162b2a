using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Herald.Server.Api;

/// <summary>One policy per scope (an API key holding it), one for the feed, one for any valid key.</summary>
internal static class AuthPolicies
{
    public const string AnyKey = "key";
    public const string Feed = "feed";

    public static string Scope(string scope) => "scope:" + scope;

    public static IServiceCollection AddHeraldAuth(this IServiceCollection services)
    {
        services.AddAuthentication()
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(AuthSchemes.ApiKey, null)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, SubscriberTokenAuthenticationHandler>(AuthSchemes.SubscriberToken, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(AnyKey, p => p.AddAuthenticationSchemes(AuthSchemes.ApiKey).RequireAuthenticatedUser())
            .AddPolicy(Feed, p => p.AddAuthenticationSchemes(AuthSchemes.SubscriberToken, AuthSchemes.ApiKey).AddRequirements(new FeedAccessRequirement()));
        services.AddAuthorization(o =>
        {
            foreach (var scope in ApiKeys.Scopes)
            {
                o.AddPolicy(Scope(scope), p => p.AddAuthenticationSchemes(AuthSchemes.ApiKey).AddRequirements(new ScopeRequirement(scope)));
            }
        });
        services.AddSingleton<IAuthorizationHandler, ScopeAuthorizationHandler>();
        services.AddSingleton<IAuthorizationHandler, FeedAccessAuthorizationHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AuthResultHandler>();
        return services;
    }
}

/// <summary>An API key holding <see cref="Scope"/> (or one that implies it).</summary>
internal sealed record ScopeRequirement(string Scope) : IAuthorizationRequirement;

/// <summary>The subscriber token of the route's user, or an API key with content:read (a feed is rendered content).</summary>
internal sealed record FeedAccessRequirement : IAuthorizationRequirement;

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

internal sealed class FeedAccessAuthorizationHandler : AuthorizationHandler<FeedAccessRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, FeedAccessRequirement requirement)
    {
        var http = context.Resource as HttpContext;
        var user = http?.Request.RouteValues["user_id"] as string;
        var viaToken = context.User.FindFirst(AuthSchemes.SubscriberClaim)?.Value is { } subscriber && subscriber == user;
        var viaKey = context.User.HasClaim(c => c.Type == AuthSchemes.KeyIdClaim) && ApiKeys.Allows(AuthSchemes.ScopesOf(context.User), ApiKeys.ContentRead);
        if (viaToken || viaKey)
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
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

        var missing = result.AuthorizationFailure?.FailedRequirements.FirstOrDefault() switch
        {
            ScopeRequirement scope => scope.Scope,
            _ => ApiKeys.ContentRead,
        };
        return Auth.Forbidden(missing);
    }
}
