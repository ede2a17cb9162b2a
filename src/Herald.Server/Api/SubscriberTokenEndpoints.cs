using System.Globalization;
using Herald.Core.Audit;

namespace Herald.Server.Api;

/// <summary>
/// Minting subscriber tokens (a backend with notifications:send), stream tickets (the end user, with the token), and
/// reading or rotating the environment's subscriber secret (admin). The environment is the caller's (its key's or token's).
/// </summary>
internal static class SubscriberTokenEndpoints
{
    /// <summary><c>POST /api/v1/users/{user_id}/subscriber-token</c>, on the users group.</summary>
    public static void MapSubscriberToken(this RouteGroupBuilder users) =>
        users.MapPost("/subscriber-token", MintAsync).RequireScope(ApiKeys.NotificationsSend).Accepts<SubscriberTokenRequest>(isOptional: true, "application/json")
            .Produces<SubscriberTokenResponse>().ProducesProblem(400)
            .WithSummary("Mints an expiring subscriber token (a JWT, HS256) for the user's own feed, preferences and devices; optional ttl_seconds and scopes");

    /// <summary><c>GET /api/v1/subscriber-secret</c> and <c>POST /api/v1/subscriber-secret/rotate</c>.</summary>
    public static void MapSubscriberSecret(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/subscriber-secret").WithTags("Subscriber tokens").RequireScope(ApiKeys.Admin);
        group.MapGet("/", GetSecretAsync).Produces<SubscriberSecretResponse>()
            .WithSummary("The caller's environment's subscriber-token secret, for backends that mint tokens themselves (HS256, the string's UTF-8 bytes as key)");
        group.MapPost("/rotate", RotateAsync).Produces<SubscriberSecretResponse>()
            .WithSummary("A new secret: every token and stream ticket signed with the old one is refused on every process within a second");
    }

    private static async Task<IResult> MintAsync(string user_id, HttpRequest request, SubscriberTokens tokens, CancellationToken ct)
    {
        if (Validate.Recipient("user_id", user_id) is { } badUser)
        {
            return badUser;
        }

        SubscriberTokenRequest r = new(null, null);
        // The body is optional (earlier releases took none): a bodiless POST mints with the defaults.
        if (request.ContentLength is > 0 || request.Headers.ContentType.Count > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            var body = await RequestBody.ReadAsync(request, ApiJson.Default.SubscriberTokenRequest, ct);
            if (body.Problem is not null)
            {
                return body.Problem;
            }

            r = body.Value!;
        }

        var options = tokens.Options;
        var lifetime = r.TtlSeconds is { } ttl ? TimeSpan.FromSeconds(ttl) : options.DefaultLifetime;
        if (lifetime < SubscriberTokenOptions.MinLifetime || lifetime > options.MaxLifetime)
        {
            return Problems.Validation("ttl_seconds", $"'ttl_seconds' must be between {(int)SubscriberTokenOptions.MinLifetime.TotalSeconds} and {(int)options.MaxLifetime.TotalSeconds} ({SubscriberTokenOptions.SectionName}:MaxLifetime)");
        }

        var scopes = r.Scopes ?? [];
        if (r.Scopes is { Count: 0 } || SubscriberScopes.Unknown(scopes) is not null)
        {
            return Problems.Validation("scopes", $"'scopes' must name one or more of {string.Join(", ", SubscriberScopes.All)}, or be left out for all");
        }

        var environment = EnvironmentOf(request.HttpContext);
        var distinct = scopes.Distinct(StringComparer.Ordinal).ToList();
        var (token, expires) = await tokens.MintAsync(user_id, environment, lifetime, distinct, ct);
        return TypedResults.Ok(new SubscriberTokenResponse(user_id, token, expires, environment, distinct.Count == 0 ? [.. SubscriberScopes.All] : distinct));
    }

    /// <summary><c>POST /api/v1/users/{user_id}/feed/stream-ticket</c> (feed:read; mapped on the feed group, which carries its CORS policy).</summary>
    public static async Task<IResult> StreamTicketAsync(string user_id, HttpContext http, SubscriberTokens tokens, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        // A ticket never outlives the token it was asked with; a legacy token (no expiry) and a key get the full ticket lifetime.
        var expires = http.User.FindFirst(AuthSchemes.SubscriberExpiresClaim)?.Value is { } exp
            ? DateTimeOffset.FromUnixTimeSeconds(long.Parse(exp, CultureInfo.InvariantCulture))
            : DateTimeOffset.MaxValue;
        var (ticket, at) = await tokens.MintTicketAsync(new SubscriberGrant(user_id, EnvironmentOf(http), expires, [SubscriberScopes.FeedRead]), ct);
        return TypedResults.Ok(new StreamTicketResponse(ticket, at));
    }

    private static async Task<IResult> GetSecretAsync(HttpContext http, SubscriberSecrets secrets, CancellationToken ct)
    {
        var environment = EnvironmentOf(http);
        return TypedResults.Ok(new SubscriberSecretResponse(environment, (await secrets.GetAsync(environment, ct)).Value, "HS256"));
    }

    private static async Task<IResult> RotateAsync(HttpContext http, SubscriberSecrets secrets, AuditTrail audit, CancellationToken ct)
    {
        var environment = EnvironmentOf(http);
        var rotated = await secrets.RotateAsync(environment, ct);
        await audit.RecordAsync(http, AuditActions.SubscriberSecretRotated, environment);
        return TypedResults.Ok(new SubscriberSecretResponse(environment, rotated.Value, "HS256"));
    }

    /// <summary>The caller's environment (every key and token carries one; the default until keys belong to environments).</summary>
    private static string EnvironmentOf(HttpContext http) => http.User.FindFirst(AuthSchemes.EnvironmentClaim)?.Value ?? Herald.Core.Domain.Environments.Default;
}
