using System.Text.Json.Nodes;
using Herald.Core.Domain;

namespace Herald.Core.Channels;

/// <summary>
/// The in-app feed is Herald's own store: the feed row is written in the same transaction that marks the delivery sent,
/// so it lands exactly once whatever crashes.
/// </summary>
internal sealed class InAppSender(TimeProvider time) : IChannelSender
{
    public Channel Channel => Channel.InApp;

    public Task<SendResult> SendAsync(Delivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var content = JsonNode.Parse(delivery.Content)!.AsObject();
        var item = new FeedItem(0, delivery.RecipientId, delivery.NotificationId, delivery.Id, delivery.EventType,
            Text(content, "title"), Text(content, "body"), Text(content, "action_url"), Text(content, "icon"), time.GetUtcNow(), null, null,
            delivery.EnvironmentId);
        return Task.FromResult(new SendResult(new DeliveryOutcome.Sent(delivery.Id), "feed", Feed: item));
    }

    /// <summary>A crash before the completion committed also lost the feed row, so the answer is always "not there".</summary>
    public Task<LookUpAnswer> LookUpAsync(Delivery delivery, CancellationToken ct) => Task.FromResult(LookUpAnswer.NotFound);

    private static string? Text(JsonObject content, string name) => content[name]?.GetValue<string>();
}
