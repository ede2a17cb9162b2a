using Herald.Client.Internal;

namespace Herald.Client;

/// <summary>API keys, dead letters and the audit log: an operator's calls (most need an admin key).</summary>
public sealed partial class HeraldClient
{
    /// <summary>Creates an API key (201); its secret is in this answer only. Not retried after a lost answer (it would make a second key).</summary>
    public Task<ApiKeySecret> CreateApiKeyAsync(CreateApiKeyRequest request, CancellationToken cancellationToken = default) =>
        CallAsync<ApiKeySecret>(HttpMethod.Post, "api/v1/keys", request, null, false, cancellationToken);

    /// <summary>Every API key, oldest first (never a secret).</summary>
    public async Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken cancellationToken = default) =>
        (await CallAsync<ApiKeyList>(HttpMethod.Get, "api/v1/keys", null, null, true, cancellationToken)).Keys;

    public Task<ApiKey> GetApiKeyAsync(string id, CancellationToken cancellationToken = default) =>
        CallAsync<ApiKey>(HttpMethod.Get, $"api/v1/keys/{Escape(id)}", null, null, true, cancellationToken);

    /// <summary>Replaces a key's rate limits (both; null returns one to the deployment's default); every process applies them within seconds.</summary>
    public Task<ApiKey> SetApiKeyLimitsAsync(string id, ApiKeyLimits limits, CancellationToken cancellationToken = default) =>
        CallAsync<ApiKey>(HttpMethod.Patch, $"api/v1/keys/{Escape(id)}", limits, null, true, cancellationToken);

    /// <summary>Revokes a key: every Herald process refuses it within a second.</summary>
    public Task<ApiKey> RevokeApiKeyAsync(string id, CancellationToken cancellationToken = default) =>
        CallAsync<ApiKey>(HttpMethod.Post, $"api/v1/keys/{Escape(id)}/revoke", null, null, true, cancellationToken);

    /// <summary>
    /// Gives a key a new secret, shown in this answer only; the old one keeps working for <paramref name="overlapSeconds"/>
    /// (1-604800; null: the server's 86400). Not retried after a lost answer (a second rotation would end the first's overlap).
    /// </summary>
    public Task<ApiKeySecret> RotateApiKeyAsync(string id, int? overlapSeconds = null, CancellationToken cancellationToken = default) =>
        CallAsync<ApiKeySecret>(HttpMethod.Post, $"api/v1/keys/{Escape(id)}/rotate", new ApiKeyRotateRequest(overlapSeconds), null, false, cancellationToken);

    /// <summary>The key this client calls with (<c>/api/v1/me</c>).</summary>
    public Task<KeyIdentity> GetCurrentKeyAsync(CancellationToken cancellationToken = default) =>
        CallAsync<KeyIdentity>(HttpMethod.Get, "api/v1/me", null, null, true, cancellationToken);

    /// <summary>One page of dead letters (<paramref name="limit"/> 1-1000), optionally of one channel; <paramref name="cursor"/> is a page's NextCursor.</summary>
    public Task<DeadLetterPage> ListDeadLettersAsync(Channel? channel = null, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default) =>
        CallAsync<DeadLetterPage>(HttpMethod.Get, "api/v1/dead-letters" + Query.Of(("limit", Query.Number(limit)), ("cursor", cursor), ("channel", ChannelName(channel))),
            null, null, true, cancellationToken);

    public Task<DeadLetter> GetDeadLetterAsync(string deliveryId, CancellationToken cancellationToken = default) =>
        CallAsync<DeadLetter>(HttpMethod.Get, $"api/v1/dead-letters/{Escape(deliveryId)}", null, null, true, cancellationToken);

    /// <summary>Puts a dead delivery back in the queue (202); one no longer dead throws a 409. Not retried after a lost answer.</summary>
    public Task<ReplayAccepted> ReplayDeadLetterAsync(string deliveryId, CancellationToken cancellationToken = default) =>
        CallAsync<ReplayAccepted>(HttpMethod.Post, $"api/v1/dead-letters/{Escape(deliveryId)}/replay", null, null, false, cancellationToken);

    /// <summary>One page of the audit log, newest first (an admin key).</summary>
    public Task<AuditPage> ListAuditEntriesAsync(AuditQuery? query = null, CancellationToken cancellationToken = default) =>
        CallAsync<AuditPage>(HttpMethod.Get, "api/v1/audit" + (query is null ? "" : Query.Of(("action", query.Action), ("actor", query.Actor), ("target", query.Target),
            ("from", Query.Time(query.From)), ("to", Query.Time(query.To)), ("limit", Query.Number(query.Limit)), ("cursor", query.Cursor))), null, null, true,
            cancellationToken);

    private static string? ChannelName(Channel? channel) => channel is { } c ? HeraldJson.Name(c) : null;
}
