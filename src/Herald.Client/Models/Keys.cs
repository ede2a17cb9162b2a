using System.Text.Json.Serialization;

namespace Herald.Client;

/// <summary>
/// The scopes an API key can hold (the document's enum). Requests and answers carry them as strings: the server judges
/// an unknown one (a 400 naming it), and a scope added by a newer server still reads.
/// </summary>
public static class ApiKeyScopes
{
    public const string NotificationsSend = "notifications:send";
    public const string NotificationsRead = "notifications:read";
    public const string ContentRead = "content:read";
    public const string UsersWrite = "users:write";
    public const string TemplatesWrite = "templates:write";
    public const string Admin = "admin";
}

/// <summary>A new API key. <see cref="Environment"/> (<c>env_…</c>) defaults to the calling key's; a null limit is the deployment's default.</summary>
public sealed record CreateApiKeyRequest(string Name, IReadOnlyList<string> Scopes)
{
    public DateTimeOffset? ExpiresAt { get; init; }

    public int? RequestsPerSecond { get; init; }

    public int? NotificationsPerSecond { get; init; }

    public string? Environment { get; init; }
}

/// <summary>An API key as listed: never its secret, only the <see cref="Prefix"/> that identifies it.</summary>
public sealed record ApiKey(string Id, string Name, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt,
    DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? PreviousSecretExpiresAt, string Environment, int? RequestsPerSecond,
    int? NotificationsPerSecond);

/// <summary>A key's secret, shown in this answer only (creation or rotation).</summary>
public sealed record ApiKeySecret(string Secret, ApiKey Key);

/// <summary>A key's rate limits, both sent and replaced: null returns that limit to the deployment's default.</summary>
public sealed record ApiKeyLimits
{
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public int? RequestsPerSecond { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public int? NotificationsPerSecond { get; init; }
}

internal sealed record ApiKeyList(IReadOnlyList<ApiKey> Keys);

internal sealed record ApiKeyRotateRequest(int? OverlapSeconds);

/// <summary>The calling key: its id, scopes and environment (<c>GET /api/v1/me</c>).</summary>
public sealed record KeyIdentity(string Id, IReadOnlyList<string> Scopes, string Environment);
