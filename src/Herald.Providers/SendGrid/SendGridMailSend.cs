using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Email;
using Herald.Providers.Http;

namespace Herald.Providers.SendGrid;

/// <summary>The v3 Mail Send call (<c>POST /v3/mail/send</c>): request body and the mapping of its documented answers.</summary>
internal static class SendGridMailSend
{
    public const string Path = "/v3/mail/send";

    public static HttpRequestMessage Request(string baseUrl, string apiKey, EmailMessage message)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl + Path))
        {
            Content = new StringContent(Body(message).ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return request;
    }

    /// <summary>
    /// The JSON body. Content goes text/plain first, then text/html (the API refuses any other order). Our reference rides
    /// in the personalization's <c>custom_args</c>, an object of strings in both SendGrid's OpenAPI document and its API
    /// (the top-level <c>custom_args</c> is typed a string in the document), and comes back on every event.
    /// </summary>
    public static JsonObject Body(EmailMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var content = new JsonArray();
        if (message.Text is { } text)
        {
            content.Add(new JsonObject { ["type"] = "text/plain", ["value"] = text });
        }

        if (message.Html is { } html)
        {
            content.Add(new JsonObject { ["type"] = "text/html", ["value"] = html });
        }

        var body = new JsonObject
        {
            ["personalizations"] = new JsonArray(new JsonObject
            {
                ["to"] = new JsonArray(new JsonObject { ["email"] = message.To }),
                ["custom_args"] = new JsonObject { [EmailMessage.DeliveryIdVariable] = message.DeliveryId },
            }),
            ["from"] = Mailbox(message.From),
            ["subject"] = message.Subject,
            ["content"] = content,
            ["headers"] = new JsonObject(message.Headers.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)h.Value))),
        };
        if (message.ReplyTo is { } replyTo)
        {
            body["reply_to"] = Mailbox(replyTo);
        }

        return body;
    }

    /// <summary>
    /// 202 sent (X-Message-Id); 400/413 rejected; 401/403 misconfigured (bad key, missing permission, unverified sender);
    /// 404/405 misconfigured (wrong BaseUrl); 429 and 5xx retried after Retry-After or X-RateLimit-Reset.
    /// </summary>
    public static DeliveryOutcome Outcome(HttpCall call, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (!call.Answered)
        {
            return ProviderHttp.Unanswered(call);
        }

        if (call.IsSuccess)
        {
            var id = call.Response?.Headers.TryGetValues("X-Message-Id", out var values) == true ? values.FirstOrDefault() : null;
            return new DeliveryOutcome.Sent(id);
        }

        var reason = $"{call.Code} {Errors(call.Body)}".TrimEnd();
        return call.Code switch
        {
            400 or 413 => new DeliveryOutcome.Rejected(reason),
            401 or 403 or 404 or 405 => new DeliveryOutcome.Misconfigured(reason),
            429 => new DeliveryOutcome.Retry(reason, ProviderHttp.RetryAfter(call.Response, time) ?? RateLimitReset(call.Response, time), Throttled: true),
            _ => ProviderHttp.ByStatus(call, Errors(call.Body), time),
        };
    }

    /// <summary>The error body <c>{"errors":[{"message","field","help"}]}</c> as "field: message; ...", else a snippet.</summary>
    internal static string Errors(string body)
    {
        try
        {
            if (JsonNode.Parse(body)?["errors"] is JsonArray errors)
            {
                return string.Join("; ", errors.Select(e => e?["field"]?.GetValueKind() == JsonValueKind.String && e["field"]!.GetValue<string>() is { Length: > 0 } f and not "null"
                    ? $"{f}: {e["message"]}"
                    : $"{e?["message"]}"));
            }
        }
        catch (JsonException)
        {
            // Not SendGrid's error shape (a proxy's page): fall through to the raw text.
        }

        return ProviderHttp.Snippet(body);
    }

    private static JsonObject Mailbox(EmailAddress address)
    {
        var mailbox = new JsonObject { ["email"] = address.Address };
        if (address.DisplayName is { } name)
        {
            mailbox["name"] = name;
        }

        return mailbox;
    }

    /// <summary>SendGrid's documented rate-limit header: the Unix time when the limit resets.</summary>
    private static TimeSpan? RateLimitReset(HttpResponseMessage? response, TimeProvider time)
    {
        if (response?.Headers.TryGetValues("X-RateLimit-Reset", out var values) == true
            && long.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var unix))
        {
            var wait = DateTimeOffset.FromUnixTimeSeconds(unix) - time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : null;
        }

        return null;
    }
}
