using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Herald.Server.Api;

/// <summary>Endpoint metadata: this route (the feed stream) accepts a stream ticket in <c>?ticket=</c>.</summary>
internal sealed class StreamTicketRoute
{
    public static readonly StreamTicketRoute Instance = new();
}

/// <summary>
/// An end user's credential for the route's <c>{user_id}</c>: a subscriber token in <c>X-Herald-Subscriber-Token</c>,
/// on the stream a ticket in <c>?ticket=</c>, and while legacy credentials are accepted a token in <c>?token=</c>.
/// The principal carries <see cref="AuthSchemes.SubscriberClaim"/>, <see cref="AuthSchemes.EnvironmentClaim"/> and one
/// <see cref="AuthSchemes.SubscriberScopeClaim"/> per scope. A refused one counts as a failed authentication of the address.
/// </summary>
internal sealed class SubscriberTokenAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    SubscriberTokens tokens, AuthFailureLimiter limiter) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public static readonly object Attempted = new();

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers[AuthSchemes.SubscriberTokenHeader].FirstOrDefault();
        var ticket = header is null && Context.GetEndpoint()?.Metadata.GetMetadata<StreamTicketRoute>() is not null ? Request.Query["ticket"].FirstOrDefault() : null;
        var query = header is null && ticket is null ? Request.Query["token"].FirstOrDefault() : null;
        if (header is null && ticket is null && query is null)
        {
            return AuthenticateResult.NoResult();
        }

        Context.Items[Attempted] = true;
        var userId = Request.RouteValues["user_id"] as string;
        var check = ticket is not null ? await tokens.CheckTicketAsync(ticket, userId, Context.RequestAborted)
            : query is not null && !tokens.Options.AcceptLegacy
                ? SubscriberCheck.Refused("a subscriber token in '?token=' is no longer accepted: send it in the X-Herald-Subscriber-Token header, and open the stream with '?ticket=' (POST …/feed/stream-ticket)")
                : await tokens.CheckAsync(header ?? query!, userId, Context.RequestAborted);
        if (check.Grant is { } grant)
        {
            if (query is not null)
            {
                tokens.NoteLegacyUse("query");
            }

            Claim[] claims =
            [
                new(AuthSchemes.SubscriberClaim, grant.UserId), new(AuthSchemes.EnvironmentClaim, grant.Environment),
                .. grant.Scopes.Select(s => new Claim(AuthSchemes.SubscriberScopeClaim, s)),
            ];
            if (grant.ExpiresAt != DateTimeOffset.MaxValue)
            {
                claims = [.. claims, new(AuthSchemes.SubscriberExpiresClaim, grant.ExpiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture))];
            }

            return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name)), Scheme.Name));
        }

        var address = AuthFailureLimiter.AddressOf(Context);
        if (limiter.Blocked(address) is { } wait)
        {
            return new AuthRefusal(429, "", wait).Record(Context);
        }

        limiter.Fail(address, "invalid_token");
        return new AuthRefusal(401, check.Refusal!).Record(Context);
    }
}
