using Herald.Core.Channels;
using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Core.Webhooks;

namespace Herald.Providers.Webhooks;

/// <summary>
/// Delivers to a recipient's registered endpoint, signed per Standard Webhooks. The delivery id is the webhook-id, stable
/// across retries, so receivers can drop repeats. Customer endpoints cannot be asked what they received.
/// </summary>
public sealed class WebhookChannelSender(WebhookSender sender, IWebhookEndpointStore endpoints, TimeProvider time) : IChannelSender
{
    public Channel Channel => Channel.Webhook;

    public async Task<SendResult> SendAsync(Delivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return await SendToAsync(delivery, delivery.TargetRef is null ? null : await endpoints.GetEndpointAsync(delivery.EnvironmentId, delivery.TargetRef, ct), ct);
    }

    /// <summary>
    /// A batch's endpoints read in one store call per environment (instead of one per send, each on its own connection);
    /// a delivery whose endpoint was not asked (not in the batch) is looked up alone, as <see cref="SendAsync"/> does.
    /// </summary>
    public async Task<Func<Delivery, CancellationToken, Task<SendResult>>> PrepareAsync(IReadOnlyList<Delivery> batch, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(batch);
        // Every id asked, with its endpoint or null (deleted).
        var read = new Dictionary<(string Environment, string Id), WebhookEndpoint?>();
        foreach (var environment in batch.Where(d => d.TargetRef is not null).GroupBy(d => d.EnvironmentId, StringComparer.Ordinal))
        {
            var ids = environment.Select(d => d.TargetRef!).Distinct(StringComparer.Ordinal).ToList();
            var found = await endpoints.GetEndpointsAsync(environment.Key, ids, ct);
            foreach (var id in ids)
            {
                read[(environment.Key, id)] = found.GetValueOrDefault(id);
            }
        }

        return (d, token) => d.TargetRef is { } id && read.TryGetValue((d.EnvironmentId, id), out var endpoint)
            ? SendToAsync(d, endpoint, token)
            : SendAsync(d, token);
    }

    private async Task<SendResult> SendToAsync(Delivery delivery, WebhookEndpoint? endpoint, CancellationToken ct)
    {
        if (endpoint is null)
        {
            return new SendResult(new DeliveryOutcome.InvalidTarget("webhook endpoint was deleted"), "webhook");
        }

        if (!endpoint.Enabled)
        {
            // Disabled after this delivery was planned: kept (held) for when the endpoint is enabled, not failed.
            return new SendResult(new DeliveryOutcome.Held($"webhook endpoint is disabled: {endpoint.DisabledReason}"), "webhook");
        }

        var outcome = await sender.SendAsync(new WebhookMessage(new Uri(endpoint.Url), endpoint.Secret, delivery.Id, time.GetUtcNow(), delivery.Content), ct);
        var result = outcome switch
        {
            DeliveryOutcome.Sent => new WebhookEndpointResult(endpoint.Id, true, false, null),
            DeliveryOutcome.InvalidTarget invalid => new WebhookEndpointResult(endpoint.Id, false, true, invalid.Reason),
            DeliveryOutcome.Retry retry => new WebhookEndpointResult(endpoint.Id, false, false, retry.Reason),
            _ => null,
        };
        return new SendResult(outcome, "webhook", Endpoint: result);
    }

    public Task<LookUpAnswer> LookUpAsync(Delivery delivery, CancellationToken ct) => Task.FromResult(LookUpAnswer.CannotAsk);
}
