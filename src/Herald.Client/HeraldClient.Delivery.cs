using Herald.Client.Internal;

namespace Herald.Client;

/// <summary>Campaigns, digest rules and webhook endpoints.</summary>
public sealed partial class HeraldClient
{
    /// <summary>Creates a campaign (201; 200 when the idempotency key repeats one). The key, given or generated, is the same on every retry.</summary>
    public Task<Campaign> CreateCampaignAsync(CreateCampaignRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var keyed = request with { IdempotencyKey = request.IdempotencyKey ?? NewIdempotencyKey() };
        return CallAsync<Campaign>(HttpMethod.Post, "api/v1/campaigns", keyed, keyed.IdempotencyKey, true, cancellationToken);
    }

    public Task<Campaign> GetCampaignAsync(string id, CancellationToken cancellationToken = default) =>
        CallAsync<Campaign>(HttpMethod.Get, $"api/v1/campaigns/{Escape(id)}", null, null, true, cancellationToken);

    /// <summary>Adds recipients to a campaign of a recipient list (409 once it is released or cancelled).</summary>
    public Task<CampaignRecipientsAdded> AddCampaignRecipientsAsync(string id, IReadOnlyList<string> recipientIds, CancellationToken cancellationToken = default) =>
        CallAsync<CampaignRecipientsAdded>(HttpMethod.Post, $"api/v1/campaigns/{Escape(id)}/recipients", new CampaignRecipientsRequest(recipientIds), null, false,
            cancellationToken);

    /// <summary>Stops releasing a campaign's notifications until it is resumed (409 when it cannot pause).</summary>
    public Task<Campaign> PauseCampaignAsync(string id, CancellationToken cancellationToken = default) => CampaignActionAsync(id, "pause", cancellationToken);

    public Task<Campaign> ResumeCampaignAsync(string id, CancellationToken cancellationToken = default) => CampaignActionAsync(id, "resume", cancellationToken);

    /// <summary>Cancels a campaign: what it has not released is never sent (409 when it is cancelled already).</summary>
    public Task<Campaign> CancelCampaignAsync(string id, CancellationToken cancellationToken = default) => CampaignActionAsync(id, "cancel", cancellationToken);

    /// <summary>Creates or replaces the digest rule of an event type.</summary>
    public Task<DigestRule> PutDigestRuleAsync(string eventType, DigestRuleRequest rule, CancellationToken cancellationToken = default) =>
        CallAsync<DigestRule>(HttpMethod.Put, $"api/v1/digest-rules/{Escape(eventType)}", rule, null, true, cancellationToken);

    public Task<DigestRule> GetDigestRuleAsync(string eventType, CancellationToken cancellationToken = default) =>
        CallAsync<DigestRule>(HttpMethod.Get, $"api/v1/digest-rules/{Escape(eventType)}", null, null, true, cancellationToken);

    public async Task<IReadOnlyList<DigestRule>> ListDigestRulesAsync(CancellationToken cancellationToken = default) =>
        (await CallAsync<DigestRuleList>(HttpMethod.Get, "api/v1/digest-rules", null, null, true, cancellationToken)).Rules;

    public Task DeleteDigestRuleAsync(string eventType, CancellationToken cancellationToken = default) =>
        CallAsync(HttpMethod.Delete, $"api/v1/digest-rules/{Escape(eventType)}", null, true, cancellationToken);

    /// <summary>Registers a webhook endpoint (201); its signing secret is in this answer only. Not retried after a lost answer (it would make a second endpoint).</summary>
    public Task<WebhookEndpoint> CreateWebhookEndpointAsync(WebhookEndpointRequest endpoint, CancellationToken cancellationToken = default) =>
        CallAsync<WebhookEndpoint>(HttpMethod.Post, "api/v1/webhook-endpoints", endpoint, null, false, cancellationToken);

    public Task<WebhookEndpoint> GetWebhookEndpointAsync(string id, CancellationToken cancellationToken = default) =>
        CallAsync<WebhookEndpoint>(HttpMethod.Get, $"api/v1/webhook-endpoints/{Escape(id)}", null, null, true, cancellationToken);

    /// <summary>One page of webhook endpoints; <paramref name="cursor"/> is a page's NextCursor.</summary>
    public Task<WebhookEndpointPage> ListWebhookEndpointsAsync(int? limit = null, string? cursor = null, CancellationToken cancellationToken = default) =>
        CallAsync<WebhookEndpointPage>(HttpMethod.Get, "api/v1/webhook-endpoints" + Query.Of(("limit", Query.Number(limit)), ("cursor", cursor)), null, null, true,
            cancellationToken);

    public Task DeleteWebhookEndpointAsync(string id, CancellationToken cancellationToken = default) =>
        CallAsync(HttpMethod.Delete, $"api/v1/webhook-endpoints/{Escape(id)}", null, true, cancellationToken);

    /// <summary>Turns an endpoint back on (after Herald disabled it for failing, or an operator did).</summary>
    public Task<WebhookEndpoint> EnableWebhookEndpointAsync(string id, CancellationToken cancellationToken = default) =>
        CallAsync<WebhookEndpoint>(HttpMethod.Post, $"api/v1/webhook-endpoints/{Escape(id)}/enable", null, null, true, cancellationToken);

    public Task<WebhookEndpoint> DisableWebhookEndpointAsync(string id, CancellationToken cancellationToken = default) =>
        CallAsync<WebhookEndpoint>(HttpMethod.Post, $"api/v1/webhook-endpoints/{Escape(id)}/disable", null, null, true, cancellationToken);

    /// <summary>Queues again what an endpoint missed in a time range (202). Not retried after a lost answer.</summary>
    public Task<WebhookRecovery> RecoverWebhookEndpointAsync(string id, WebhookRecoverRequest request, CancellationToken cancellationToken = default) =>
        CallAsync<WebhookRecovery>(HttpMethod.Post, $"api/v1/webhook-endpoints/{Escape(id)}/recover", request, null, false, cancellationToken);

    private Task<Campaign> CampaignActionAsync(string id, string action, CancellationToken ct) =>
        CallAsync<Campaign>(HttpMethod.Post, $"api/v1/campaigns/{Escape(id)}/{action}", null, null, false, ct);
}
