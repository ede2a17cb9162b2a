using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Core.Channels;

/// <summary>
/// The default provider for email, SMS and push until a real one is configured: it stores the message as the provider
/// would receive it (GET /api/v1/outbox). Like a real provider it is a separate commit from the delivery's state, and it
/// can be asked by our reference, so the reconciler never resends what it already holds.
/// </summary>
public sealed class CaptureSender(Channel channel, IOutboxStore outbox, TimeProvider time) : IChannelSender
{
    public const string ProviderName = "capture";

    public Channel Channel => channel;

    public async Task<SendResult> SendAsync(Delivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var content = JsonNode.Parse(delivery.Content)!.AsObject();
        var message = channel switch
        {
            Channel.Email => new JsonObject
            {
                ["to"] = delivery.Target,
                ["subject"] = content["subject"]?.DeepClone(),
                ["html"] = content["html"]?.DeepClone(),
                ["text"] = content["text"]?.DeepClone(),
                ["headers"] = new JsonObject { ["X-Herald-Delivery-Id"] = delivery.Id },
            },
            Channel.Sms => new JsonObject { ["to"] = delivery.Target, ["body"] = content["body"]?.DeepClone() },
            _ => new JsonObject
            {
                ["token"] = delivery.Target,
                ["notification"] = new JsonObject { ["title"] = content["title"]?.DeepClone(), ["body"] = content["body"]?.DeepClone() },
                ["data"] = content["data"]?.DeepClone() ?? new JsonObject(),
            },
        };
        await outbox.InsertOutboxAsync(new OutboxMessage(0, delivery.Id, channel, ProviderName, delivery.RecipientId, delivery.Target,
            message.ToJsonString(JsonOptions), time.GetUtcNow()), ct);
        return new SendResult(new DeliveryOutcome.Sent(delivery.Id), ProviderName);
    }

    public async Task<LookUpAnswer> LookUpAsync(Delivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return await outbox.OutboxHasDeliveryAsync(delivery.Id, ct) ? LookUpAnswer.Found : LookUpAnswer.NotFound;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
