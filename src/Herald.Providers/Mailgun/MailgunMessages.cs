using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Email;
using Herald.Providers.Http;

namespace Herald.Providers.Mailgun;

/// <summary>The Messages call (<c>POST /v3/{domain}/messages</c>, multipart/form-data) and the mapping of its answers.</summary>
internal static class MailgunMessages
{
    public static HttpRequestMessage Request(string baseUrl, string domain, string apiKey, EmailMessage message)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{baseUrl}/v3/{Uri.EscapeDataString(domain)}/messages"))
        {
            Content = Form(message),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("api:" + apiKey)));
        return request;
    }

    /// <summary>
    /// The form fields: from, to, subject, text, html, <c>h:</c> headers (List-Unsubscribe pair, X-Herald-Delivery-Id) and
    /// the user variable <c>v:herald_delivery_id</c>, which Mailgun echoes in every webhook event.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Fields(EmailMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var fields = new List<KeyValuePair<string, string>>
        {
            new("from", MimeWriter.Mailbox(message.From)),
            new("to", message.To),
            new("subject", message.Subject),
        };
        if (message.ReplyTo is { } replyTo)
        {
            fields.Add(new("h:Reply-To", MimeWriter.Mailbox(replyTo)));
        }

        if (message.Text is { } text)
        {
            fields.Add(new("text", text));
        }

        if (message.Html is { } html)
        {
            fields.Add(new("html", html));
        }

        fields.AddRange(message.Headers.Select(h => KeyValuePair.Create("h:" + h.Key, h.Value)));
        fields.Add(new("v:" + EmailMessage.DeliveryIdVariable, message.DeliveryId));
        return fields;
    }

    /// <summary>
    /// 200 sent (the id without its angle brackets, as webhook events carry it); 400/413 rejected; 401/403 misconfigured
    /// (bad key, disabled account); 404 misconfigured (unknown domain or wrong BaseUrl); 429 and 5xx retried.
    /// </summary>
    public static DeliveryOutcome Outcome(HttpCall call, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (!call.Answered)
        {
            return ProviderHttp.Unanswered(call);
        }

        var text = Message(call.Body);
        if (call.IsSuccess)
        {
            return new DeliveryOutcome.Sent(Id(call.Body)?.Trim('<', '>'));
        }

        return call.Code switch
        {
            400 or 413 => new DeliveryOutcome.Rejected($"{call.Code} {text}"),
            404 => new DeliveryOutcome.Misconfigured($"{call.Code} {text}"),
            _ => ProviderHttp.ByStatus(call, text, time),
        };
    }

    private static MultipartFormDataContent Form(EmailMessage message)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in Fields(message))
        {
            var part = new StringContent(value, Encoding.UTF8);
            // Quote the name ourselves: "h:..." and "v:..." hold a colon, which is not a token character.
            part.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = $"\"{name}\"" };
            form.Add(part);
        }

        return form;
    }

    private static string? Id(string body) => TryParse(body)?["id"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>Mailgun answers <c>{"message": "..."}</c>; 401 comes as plain "Forbidden".</summary>
    private static string Message(string body) =>
        TryParse(body)?["message"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : ProviderHttp.Snippet(body.Trim());

    private static JsonObject? TryParse(string body)
    {
        try
        {
            return JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
