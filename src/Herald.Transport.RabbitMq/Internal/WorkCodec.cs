using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Herald.Core.Domain;
using Herald.Core.Transport;
using RabbitMQ.Client;

namespace Herald.Transport.RabbitMq.Internal;

/// <summary>The body of a work message: ids and routing facts only; the trace parent travels as a header.</summary>
internal sealed record WorkMessage(string DeliveryId, string NotificationId, string RecipientId, string Channel, string Priority, DateTimeOffset DueAt);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(WorkMessage))]
internal sealed partial class WorkJsonContext : JsonSerializerContext;

/// <summary>How a <see cref="WorkItem"/> becomes an AMQP message and back.</summary>
internal static class WorkCodec
{
    public const string TraceParentHeader = "traceparent";
    public const string DeliveryIdHeader = "herald-delivery-id";
    public const string DeadReasonHeader = "x-herald-dead-reason";
    public const string DeadQueueHeader = "x-herald-dead-queue";
    public const string DeliveryCountHeader = "x-delivery-count";
    public const string ContentType = "application/json";

    public static byte[] Encode(WorkItem item) => JsonSerializer.SerializeToUtf8Bytes(
        new WorkMessage(item.DeliveryId, item.NotificationId, item.RecipientId, item.Channel.ToWire(), item.Priority.ToWire(), item.DueAt),
        WorkJsonContext.Default.WorkMessage);

    public static BasicProperties Properties(WorkItem item)
    {
        var headers = new Dictionary<string, object?> { [DeliveryIdHeader] = item.DeliveryId };
        if (!string.IsNullOrEmpty(item.TraceParent))
        {
            headers[TraceParentHeader] = item.TraceParent;
        }

        return new BasicProperties
        {
            Persistent = true,
            MessageId = item.DeliveryId,
            ContentType = ContentType,
            Headers = headers,
        };
    }

    public static bool TryDecode(ReadOnlyMemory<byte> body, IDictionary<string, object?>? headers, out WorkItem? item, out string? error)
    {
        item = null;
        WorkMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(body.Span, WorkJsonContext.Default.WorkMessage);
        }
        catch (JsonException ex)
        {
            error = "malformed body: " + ex.Message;
            return false;
        }

        if (message is null || string.IsNullOrEmpty(message.DeliveryId) || string.IsNullOrEmpty(message.RecipientId))
        {
            error = "malformed body: delivery_id and recipient_id are required";
            return false;
        }

        if (!ChannelNames.TryParseChannel(message.Channel, out var channel) || !ChannelNames.TryParsePriority(message.Priority, out var priority))
        {
            error = $"unknown lane {message.Channel}.{message.Priority}";
            return false;
        }

        item = new WorkItem(message.DeliveryId, message.NotificationId, message.RecipientId, channel, priority, message.DueAt,
            HeaderString(headers, TraceParentHeader));
        error = null;
        return true;
    }

    /// <summary>AMQP string headers arrive as UTF-8 byte arrays.</summary>
    public static string? HeaderString(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value) ? value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            string s => s,
            null => null,
            _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
        } : null;

    /// <summary>Quorum queues add <c>x-delivery-count</c>: how many earlier deliveries of this message were given back.</summary>
    public static long DeliveryCount(IDictionary<string, object?>? headers) =>
        headers is not null && headers.TryGetValue(DeliveryCountHeader, out var value) ? value switch
        {
            long l => l,
            int i => i,
            short s => s,
            byte b => b,
            _ => 0,
        } : 0;
}
