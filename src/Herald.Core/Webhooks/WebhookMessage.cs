using System.Globalization;
using System.Text;

namespace Herald.Core.Webhooks;

/// <summary>One webhook to deliver. <paramref name="MessageId"/> stays the same across attempts so receivers can deduplicate.</summary>
public sealed record WebhookMessage(Uri Url, string Secret, string MessageId, DateTimeOffset Timestamp, string Payload)
{
    // Records print every property; the secret must never reach a log line.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture, $"Url = {Url}, Secret = ***, MessageId = {MessageId}, Timestamp = {Timestamp:O}, Payload length = {Payload.Length}");
        return true;
    }
}
