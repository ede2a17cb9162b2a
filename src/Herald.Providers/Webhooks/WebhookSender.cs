using System.Globalization;
using System.Text;
using Herald.Core.Domain;
using Herald.Core.Webhooks;

namespace Herald.Providers.Webhooks;

/// <summary>Delivers one signed webhook and reports the outcome as a value. Use with a client built on <see cref="WebhookHttpHandler"/>.</summary>
public sealed class WebhookSender(HttpClient http, TimeProvider time)
{
    /// <summary>POSTs the payload with <c>webhook-id</c>, <c>webhook-timestamp</c> and <c>webhook-signature</c> headers.</summary>
    public async Task<DeliveryOutcome> SendAsync(WebhookMessage message, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!message.Url.IsAbsoluteUri || (message.Url.Scheme != Uri.UriSchemeHttp && message.Url.Scheme != Uri.UriSchemeHttps))
        {
            return new DeliveryOutcome.Rejected("webhook URL must be an absolute http or https URL");
        }

        long timestamp = message.Timestamp.ToUnixTimeSeconds();
        string signature;
        try
        {
            signature = StandardWebhookSigner.Sign(message.Secret, message.MessageId, timestamp, message.Payload);
        }
        catch (FormatException)
        {
            return new DeliveryOutcome.Rejected("webhook secret is not valid base64");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, message.Url)
        {
            Content = new StringContent(message.Payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", message.MessageId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", signature);

        try
        {
            using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            return WebhookResponseMapper.Map(response.StatusCode, response.Headers.RetryAfter, time.GetUtcNow());
        }
        catch (HttpRequestException ex) when (FindRefusal(ex) is { } refusal)
        {
            return new DeliveryOutcome.Rejected(refusal.Message);
        }
        catch (HttpRequestException ex)
        {
            // Connection refused, DNS failure, reset: the message carries host:port and the error, never the secret.
            return new DeliveryOutcome.Retry($"connection failed: {ex.Message}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The endpoint may have processed the request before the timeout, yet Retry (not Unknown) is right:
            // the webhook-id stays the same on every attempt, so receivers deduplicate.
            return new DeliveryOutcome.Retry("timeout");
        }
    }

    private static NonPublicAddressException? FindRefusal(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is NonPublicAddressException refusal)
            {
                return refusal;
            }
        }

        return null;
    }
}
