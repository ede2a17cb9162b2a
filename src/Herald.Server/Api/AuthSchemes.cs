using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Herald.Server.Api;

/// <summary>The authentication schemes and the claims they put on <see cref="HttpContext.User"/>.</summary>
internal static class AuthSchemes
{
    public const string ApiKey = "ApiKey";
    public const string SubscriberToken = "SubscriberToken";
    public const string SubscriberTokenHeader = "X-Herald-Subscriber-Token";

    /// <summary>The stream ticket, in <c>?ticket=</c> (EventSource cannot send headers); accepted only by routes marked <see cref="StreamTicketRoute"/>.</summary>
    public const string StreamTicket = "StreamTicket";

    public const string KeyIdClaim = "herald:key_id";
    public const string ScopeClaim = "herald:scope";
    public const string SubscriberClaim = "herald:subscriber";

    /// <summary>One per end-user scope a subscriber token or ticket holds (<see cref="SubscriberScopes"/>; a token naming none holds all).</summary>
    public const string SubscriberScopeClaim = "herald:subscriber_scope";

    /// <summary>When the subscriber token expires (Unix seconds); absent for a legacy token, which never does.</summary>
    public const string SubscriberExpiresClaim = "herald:subscriber_exp";

    /// <summary>The environment the key or token belongs to: every resource the request reaches is that environment's.</summary>
    public const string EnvironmentClaim = "herald:env";

    /// <summary>The environment of the request's key or token: the one every resource it names is looked up in.</summary>
    public static string EnvironmentOf(ClaimsPrincipal user) =>
        user.FindFirst(EnvironmentClaim)?.Value ?? throw new InvalidOperationException("the request is not authenticated; an environment comes from its key or token");

    public static IReadOnlyList<string> ScopesOf(ClaimsPrincipal user) => [.. user.FindAll(ScopeClaim).Select(c => c.Value)];
}

/// <summary>
/// Why a request was refused before authorization ran: the answer a handler chose (401 with its detail, or 429 with a
/// wait). The handlers record it; <see cref="AuthResultHandler"/> writes it as a problem.
/// </summary>
internal sealed record AuthRefusal(int Status, string Detail, TimeSpan? RetryAfter = null)
{
    public static AuthRefusal? Of(HttpContext http) => http.Items[typeof(AuthRefusal)] as AuthRefusal;

    public AuthenticateResult Record(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Items[typeof(AuthRefusal)] = this;
        return AuthenticateResult.Fail(Detail);
    }
}

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c>. A key this process has cached costs a hash; an unknown one a store read,
/// refused with 429 before that read once the address keeps failing (<see cref="AuthFailureLimiter"/>).
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ApiKeys keys, AuthFailureLimiter limiter, KeyRateLimits limits) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // A request that carries a subscriber token is judged by it alone (the feed), as before the schemes existed.
        if (Context.Items.ContainsKey(SubscriberTokenAuthenticationHandler.Attempted))
        {
            return AuthenticateResult.NoResult();
        }

        var header = Request.Headers.Authorization.FirstOrDefault();
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return new AuthRefusal(401, "send an API key as 'Authorization: Bearer <key>'").Record(Context);
        }

        // Hashed once: the cache, the store and the rotation check all key on the hash.
        var hash = ApiKeys.Hash(header["Bearer ".Length..].Trim());
        var address = AuthFailureLimiter.AddressOf(Context);
        var key = keys.FindCached(hash);
        if (key is null)
        {
            if (!keys.IsKnown(hash) && limiter.Blocked(address) is { } wait)
            {
                return new AuthRefusal(429, "", wait).Record(Context);
            }

            key = await keys.FindByHashAsync(hash, Context.RequestAborted);
        }

        if ((key is null ? "the API key is not valid" : keys.Refusal(key, hash)) is { } refused)
        {
            limiter.Fail(address, "invalid_key");
            return new AuthRefusal(401, refused).Record(Context);
        }

        keys.Touch(key!);
        limits.Attach(Context, key!);
        Claim[] claims = [new(AuthSchemes.KeyIdClaim, key!.Id), new(AuthSchemes.EnvironmentClaim, key.EnvironmentId), .. key.Scopes.Select(s => new Claim(AuthSchemes.ScopeClaim, s))];
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name)), Scheme.Name));
    }
}
