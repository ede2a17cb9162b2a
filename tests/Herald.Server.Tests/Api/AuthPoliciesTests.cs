using System.Security.Claims;
using System.Text.Json;
using Herald.Server.Api;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Server.Tests.Api;

/// <summary>
/// The end-user requirement on principals as the handlers make them: a subscriber token's scopes are
/// <see cref="AuthSchemes.SubscriberScopeClaim"/> claims next to the subscriber claim (a token naming none holds them all).
/// </summary>
public sealed class AuthPoliciesTests
{
    private static readonly SubscriberAccessRequirement WritePreferences = new(SubscriberScopes.PreferencesWrite, ApiKeys.UsersWrite);
    private static readonly SubscriberAccessRequirement ReadPreferences = new(SubscriberScopes.PreferencesRead, ApiKeys.NotificationsRead);

    private static ClaimsPrincipal Subscriber(string user, params string[] scopes) =>
        new(new ClaimsIdentity([new Claim(AuthSchemes.SubscriberClaim, user), .. scopes.Select(s => new Claim(AuthSchemes.SubscriberScopeClaim, s))], AuthSchemes.SubscriberToken));

    private static ClaimsPrincipal Key(params string[] scopes) =>
        new(new ClaimsIdentity([new Claim(AuthSchemes.KeyIdClaim, "key_1"), .. scopes.Select(s => new Claim(AuthSchemes.ScopeClaim, s))], AuthSchemes.ApiKey));

    private static DefaultHttpContext Route(string user, ClaimsPrincipal principal)
    {
        var http = new DefaultHttpContext { User = principal };
        http.Request.RouteValues["user_id"] = user;
        return http;
    }

    private static async Task<bool> AllowsAsync(SubscriberAccessRequirement requirement, ClaimsPrincipal principal, string routeUser = "u1")
    {
        var context = new AuthorizationHandlerContext([requirement], principal, Route(routeUser, principal));
        await new SubscriberAccessAuthorizationHandler().HandleAsync(context);
        return context.HasSucceeded;
    }

    [Fact]
    public async Task HandleAsync_TokenOfTheRouteUserHoldingEveryScope_Succeeds() =>
        (await AllowsAsync(WritePreferences, Subscriber("u1", [.. SubscriberScopes.All]))).ShouldBeTrue();

    [Fact]
    public async Task HandleAsync_TokenOfAnotherUser_Fails() =>
        (await AllowsAsync(WritePreferences, Subscriber("u2", SubscriberScopes.PreferencesWrite))).ShouldBeFalse();

    [Fact]
    public async Task HandleAsync_ScopedTokenWithoutTheScope_Fails() =>
        (await AllowsAsync(WritePreferences, Subscriber("u1", SubscriberScopes.FeedRead, SubscriberScopes.PreferencesRead))).ShouldBeFalse();

    [Fact]
    public async Task HandleAsync_ScopedTokenWithTheScopeOrOneImplyingIt_Succeeds()
    {
        (await AllowsAsync(WritePreferences, Subscriber("u1", SubscriberScopes.PreferencesWrite))).ShouldBeTrue();
        (await AllowsAsync(ReadPreferences, Subscriber("u1", SubscriberScopes.PreferencesWrite))).ShouldBeTrue();
        (await AllowsAsync(ReadPreferences, Subscriber("u1", SubscriberScopes.DevicesWrite))).ShouldBeFalse();
    }

    [Fact]
    public async Task HandleAsync_KeyWithTheOperatorsScope_SucceedsForAnyUserAndATokenScopeGrantsAKeyNothing()
    {
        (await AllowsAsync(WritePreferences, Key(ApiKeys.UsersWrite), "anyone")).ShouldBeTrue();
        (await AllowsAsync(WritePreferences, Key(ApiKeys.Admin), "anyone")).ShouldBeTrue();
        (await AllowsAsync(WritePreferences, Key(ApiKeys.NotificationsRead))).ShouldBeFalse();
        (await AllowsAsync(WritePreferences, Key(SubscriberScopes.PreferencesWrite))).ShouldBeFalse();
    }

    [Fact]
    public async Task HandleAsync_RefusedSubscriber_403ProblemNamingTheScope()
    {
        // A token of another user never gets here: its authentication already failed (401).
        const string detail = "this subscriber token lacks the 'preferences:write' scope";
        var http = Route("u1", Subscriber("u1", SubscriberScopes.FeedRead));
        http.Response.Body = new MemoryStream();
        http.RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider();
        var failure = AuthorizationFailure.Failed([WritePreferences]);

        await new AuthResultHandler().HandleAsync(_ => Task.CompletedTask, http, new AuthorizationPolicyBuilder().AddRequirements(WritePreferences).Build(),
            PolicyAuthorizationResult.Forbid(failure));

        http.Response.StatusCode.ShouldBe(403);
        http.Response.Body.Position = 0;
        using var problem = await JsonDocument.ParseAsync(http.Response.Body);
        problem.RootElement.GetProperty("detail").GetString().ShouldBe(detail);
    }
}
