using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Server.Api;

/// <summary><c>/api/v1/keys</c>: API keys as a resource (admin scope). Secrets are returned once, at create and rotate.</summary>
internal static class KeysEndpoints
{
    public const int MaxNameLength = 100;
    public static readonly TimeSpan DefaultOverlap = TimeSpan.FromHours(24);
    public static readonly TimeSpan MinOverlap = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxOverlap = TimeSpan.FromDays(7);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(3653);

    public static void MapKeys(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/keys").WithTags("Keys").RequireScope(ApiKeys.Admin);
        group.MapPost("/", CreateAsync).Accepts<ApiKeyRequest>("application/json").Produces<ApiKeySecretResponse>(201).ProducesProblem(400)
            .WithSummary("Creates an API key with scopes and an optional expiry; the secret is in this answer only");
        group.MapGet("/", ListAsync).Produces<ApiKeyList>().WithSummary("Every API key, oldest first (never a secret)");
        group.MapGet("/{id}", GetAsync).Produces<ApiKeyResponse>().ProducesProblem(404);
        group.MapPatch("/{id}", PatchAsync).Accepts<ApiKeyLimitsRequest>("application/json").Produces<ApiKeyResponse>().ProducesProblem(400).ProducesProblem(404)
            .WithSummary("Changes the key's rate limits (a JSON merge patch: null returns a limit to the deployment's default); every process applies them within seconds");
        group.MapPost("/{id}/revoke", RevokeAsync).Produces<ApiKeyResponse>().ProducesProblem(404)
            .WithSummary("Revokes the key: every Herald process refuses it within a second");
        group.MapPost("/{id}/rotate", RotateAsync).Accepts<ApiKeyRotateRequest>("application/json").Produces<ApiKeySecretResponse>().ProducesProblem(400)
            .ProducesProblem(404).ProducesProblem(409)
            .WithSummary("Gives the key a new secret; the old one keeps working for the overlap (default 24 h; 1 s to 7 days)");
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, ApiKeys keys, IAppStore apps, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, ApiJson.Default.ApiKeyRequest, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var r = body.Value!;
        var name = r.Name?.Trim() ?? "";
        if (name.Length is 0 or > MaxNameLength || name.Any(char.IsControl))
        {
            return Problems.Validation("name", $"'name' is required: up to {MaxNameLength} characters, no control characters");
        }

        if (r.Scopes is not { Count: > 0 } scopes)
        {
            return Problems.Validation("scopes", $"'scopes' must name at least one of {string.Join(", ", ApiKeys.Scopes)}");
        }

        if (ApiKeys.Unknown(scopes) is { } unknown)
        {
            return Problems.Validation("scopes", $"unknown scope '{unknown}'; expected {string.Join(", ", ApiKeys.Scopes)}");
        }

        var now = time.GetUtcNow();
        if (r.ExpiresAt is { } expires && (expires <= now || expires > now + MaxLifetime))
        {
            return Problems.Validation("expires_at", "'expires_at' must be in the future and at most 10 years away");
        }

        if ((LimitProblem("requests_per_second", r.RequestsPerSecond) ?? LimitProblem("notifications_per_second", r.NotificationsPerSecond)) is { } badLimit)
        {
            return badLimit;
        }

        // An admin key manages the deployment: it may make a key for any environment; by default, for its own.
        var environment = r.Environment ?? AuthSchemes.EnvironmentOf(request.HttpContext.User);
        if (await apps.GetEnvironmentAsync(environment, ct) is null)
        {
            return Problems.Validation("environment", $"environment '{environment}' does not exist; create it with POST /api/v1/environments");
        }

        var secret = ApiKeys.Generate();
        var key = await keys.CreateAsync(secret, scopes, ct, name, r.ExpiresAt, r.RequestsPerSecond, r.NotificationsPerSecond, environment);
        await audit.RecordAsync(request.HttpContext, Core.Audit.AuditActions.KeyCreated, key.Id, new JsonObject
        {
            ["name"] = key.Name, ["environment"] = key.EnvironmentId, ["scopes"] = new JsonArray([.. ApiKeys.Normalize(key.Scopes).Select(x => (JsonNode)x)]),
            ["requests_per_second"] = key.RequestsPerSecond, ["notifications_per_second"] = key.NotificationsPerSecond,
        });
        return TypedResults.Created($"/api/v1/keys/{key.Id}", new ApiKeySecretResponse(secret, Response(key)));
    }

    private static async Task<IResult> ListAsync(IApiKeyStore store, CancellationToken ct) =>
        TypedResults.Ok(new ApiKeyList([.. (await store.ListApiKeysAsync(ct)).Select(Response)]));

    private static async Task<IResult> GetAsync(string id, IApiKeyStore store, CancellationToken ct) =>
        await store.GetApiKeyAsync(id, ct) is { } key ? TypedResults.Ok(Response(key)) : Problems.NotFound("API key", id);

    private static async Task<IResult> PatchAsync(string id, HttpRequest request, ApiKeys keys, IApiKeyStore store, AuditTrail audit, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, ApiJson.Default.ApiKeyLimitsPatch, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        if (await store.GetApiKeyAsync(id, ct) is not { } key)
        {
            return Problems.NotFound("API key", id);
        }

        var (requests, requestsProblem) = Merge("requests_per_second", body.Value!.RequestsPerSecond, key.RequestsPerSecond);
        var (notifications, notificationsProblem) = Merge("notifications_per_second", body.Value.NotificationsPerSecond, key.NotificationsPerSecond);
        if ((requestsProblem ?? notificationsProblem) is { } problem)
        {
            return problem;
        }

        if (await keys.SetLimitsAsync(id, requests, notifications, ct) is not { } changed)
        {
            return Problems.NotFound("API key", id);
        }

        await audit.RecordAsync(request.HttpContext, Core.Audit.AuditActions.KeyLimitsChanged, changed.Id,
            new JsonObject { ["requests_per_second"] = changed.RequestsPerSecond, ["notifications_per_second"] = changed.NotificationsPerSecond });
        return TypedResults.Ok(Response(changed));
    }

    /// <summary>A merge-patch field: left out keeps <paramref name="current"/>, null clears it, a whole number in range sets it.</summary>
    private static (int? Value, Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? Problem) Merge(string field, JsonElement sent, int? current) => sent.ValueKind switch
    {
        JsonValueKind.Undefined => (current, null),
        JsonValueKind.Null => (null, null),
        JsonValueKind.Number when sent.TryGetInt32(out var value) && KeyRateLimits.IsValid(value) => (value, null),
        _ => (null, Problems.Validation(field, LimitRule(field))),
    };

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? LimitProblem(string field, int? value) =>
        value is { } v && !KeyRateLimits.IsValid(v) ? Problems.Validation(field, LimitRule(field)) : null;

    private static string LimitRule(string field) =>
        $"'{field}' must be a whole number from 1 to {KeyRateLimits.MaxPerSecond}, or null for the deployment's default";

    private static async Task<IResult> RevokeAsync(string id, HttpContext http, ApiKeys keys, AuditTrail audit, CancellationToken ct)
    {
        if (await keys.RevokeAsync(id, ct) is not { } key)
        {
            return Problems.NotFound("API key", id);
        }

        await audit.RecordAsync(http, Core.Audit.AuditActions.KeyRevoked, key.Id);
        return TypedResults.Ok(Response(key));
    }

    private static async Task<IResult> RotateAsync(string id, HttpRequest request, ApiKeys keys, IApiKeyStore store, AuditTrail audit, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, ApiJson.Default.ApiKeyRotateRequest, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var r = body.Value!;
        var overlap = r.OverlapSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : DefaultOverlap;
        if (overlap < MinOverlap || overlap > MaxOverlap)
        {
            return Problems.Validation("overlap_seconds", $"'overlap_seconds' must be between 1 and {(int)MaxOverlap.TotalSeconds} (7 days)");
        }

        var secret = ApiKeys.Generate();
        if (await keys.RotateAsync(id, secret, overlap, ct) is { } rotated)
        {
            await audit.RecordAsync(request.HttpContext, Core.Audit.AuditActions.KeyRotated, rotated.Id, new JsonObject { ["overlap_seconds"] = (int)overlap.TotalSeconds });
            return TypedResults.Ok(new ApiKeySecretResponse(secret, Response(rotated)));
        }

        return await store.GetApiKeyAsync(id, ct) is null ? Problems.NotFound("API key", id) : Problems.Conflict("key-revoked", $"API key '{id}' is revoked: create a new key");
    }

    private static ApiKeyResponse Response(ApiKey key) => new(key.Id, key.Name, key.Prefix, [.. ApiKeys.Normalize(key.Scopes)], key.CreatedAt, key.LastUsedAt,
        key.ExpiresAt, key.RevokedAt, key.PreviousExpiresAt, key.EnvironmentId, key.RequestsPerSecond, key.NotificationsPerSecond);
}
