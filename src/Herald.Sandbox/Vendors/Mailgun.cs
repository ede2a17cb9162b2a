using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Herald.Sandbox.Core;

namespace Herald.Sandbox.Vendors;

/// <summary>
/// Mailgun's Messages API (<c>POST /v3/{domain}/messages</c>, multipart/form-data or urlencoded) and its signed webhooks.
/// <para>Checks, as the API does: basic auth <c>api:{key}</c> (key <c>Sandbox:mailgun:ApiKey</c>, default <c>key-sandbox</c>;
/// wrong or fault <c>invalid_credentials</c> 401 "Forbidden"), the domain (<c>Sandbox:mailgun:Domain</c>, default
/// <c>sandbox.herald.test</c>; another 404), a form body, then the first missing or bad field (400 with
/// <c>{"message": ...}</c>): from, to (valid addresses), subject, one of text/html/template. It records the message with
/// Reference = the user variable <c>v:herald_delivery_id</c> and answers 200 <c>{"id":"&lt;...@domain&gt;","message":"Queued. Thank you."}</c>.</para>
/// <para>When a callback URL is set (<c>PUT /_sandbox/callbacks/mailgun</c> or <c>Sandbox:mailgun:CallbackUrl</c>) it posts one
/// signed webhook per event, as Mailgun does: delivered; for recipients starting with <c>bounce</c> failed (severity
/// permanent, 550 5.1.1); starting with <c>complaint</c> delivered then complained. The signature is the hex HMAC-SHA256 of
/// timestamp + token under <c>Sandbox:mailgun:WebhookSigningKey</c> (default <c>sandbox-signing-key</c>).</para>
/// </summary>
public sealed partial class MailgunVendor(SandboxState state) : ISandboxVendor
{
    public string Key => "mailgun";

    public void Map(IEndpointRouteBuilder app) => app.MapPost("/v3/{domain}/messages", SendAsync);

    public IResult ErrorResult(int status, string? code, string message) => Results.Json(new JsonObject { ["message"] = message }, statusCode: status);

    private async Task<IResult> SendAsync(string domain, HttpRequest request)
    {
        var http = request.HttpContext;
        if (await state.Faults.BeforeAsync(this, http) is { } fault)
        {
            return fault;
        }

        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("api:" + state.Setting(Key, "ApiKey", "key-sandbox")));
        if (state.Faults.InvalidCredentials(Key) || request.Headers.Authorization.ToString() != expected)
        {
            return Results.Text("Forbidden", "text/plain", statusCode: 401);
        }

        if (domain != state.Setting(Key, "Domain", "sandbox.herald.test"))
        {
            return ErrorResult(404, null, $"Domain not found: {domain}");
        }

        if (!request.HasFormContentType)
        {
            return ErrorResult(400, null, "'from' parameter is missing");
        }

        var form = await request.ReadFormAsync(http.RequestAborted);
        if (Validate(form) is { } error)
        {
            return ErrorResult(400, null, error);
        }

        var fields = new JsonObject();
        foreach (var (name, values) in form)
        {
            fields[name] = values.Count == 1 ? values[0] : new JsonArray([.. values.Select(v => (JsonNode?)v)]);
        }

        var to = Address(form["to"][0]!)!;
        var id = $"{state.Time.GetUtcNow():yyyyMMddHHmmss}.{RandomNumberGenerator.GetHexString(16, lowercase: true)}@{domain}";
        var variables = new JsonObject(form.Where(f => f.Key.StartsWith("v:", StringComparison.Ordinal)).Select(f => KeyValuePair.Create(f.Key[2..], (JsonNode?)f.Value.ToString())));
        state.Messages.Add(new SandboxMessage
        {
            Id = id,
            Vendor = Key,
            Reference = form["v:herald_delivery_id"].ToString() is { Length: > 0 } reference ? reference : null,
            To = to,
            Fields = fields,
            Headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal),
            At = state.Time.GetUtcNow(),
            Status = "accepted",
        });
        if (await state.Faults.AfterAcceptAsync(Key, http))
        {
            return Results.Empty;
        }

        if (state.CallbackUrl(Key) is { } url)
        {
            PostEvents(url, to, id, variables);
        }

        return Results.Json(new JsonObject { ["id"] = $"<{id}>", ["message"] = "Queued. Thank you." });
    }

    private static string? Validate(IFormCollection form)
    {
        if (form["from"].ToString() is not { Length: > 0 } from)
        {
            return "'from' parameter is missing";
        }

        if (Address(from) is null)
        {
            return "'from' parameter is not a valid address. please check documentation";
        }

        if (form["to"].Count == 0 || form["to"].ToString().Length == 0)
        {
            return "'to' parameter is missing";
        }

        if (form["to"].Any(t => Address(t ?? "") is null))
        {
            return "'to' parameter is not a valid address. please check documentation";
        }

        if (form["subject"].ToString().Length == 0)
        {
            return "'subject' parameter is missing";
        }

        return form["text"].ToString().Length == 0 && form["html"].ToString().Length == 0 && form["template"].ToString().Length == 0
            ? "Need at least one of 'text', 'html' or 'template' parameters specified"
            : null;
    }

    private void PostEvents(string url, string to, string messageId, JsonObject variables)
    {
        string[] kinds = to.StartsWith("bounce", StringComparison.OrdinalIgnoreCase) ? ["failed"]
            : to.StartsWith("complaint", StringComparison.OrdinalIgnoreCase) ? ["delivered", "complained"]
            : ["delivered"];
        foreach (var kind in kinds)
        {
            var data = new JsonObject
            {
                ["id"] = RandomNumberGenerator.GetHexString(22, lowercase: true),
                ["timestamp"] = state.Time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0,
                ["event"] = kind,
                ["recipient"] = to,
                ["log-level"] = kind == "failed" ? "error" : "info",
                ["message"] = new JsonObject { ["headers"] = new JsonObject { ["message-id"] = messageId, ["to"] = to } },
                ["user-variables"] = variables.DeepClone(),
            };
            if (kind == "failed")
            {
                data["severity"] = "permanent";
                data["reason"] = "bounce";
                data["delivery-status"] = new JsonObject
                {
                    ["code"] = 550,
                    ["message"] = "5.1.1 The email account that you tried to reach does not exist.",
                    ["description"] = "550 5.1.1 The email account that you tried to reach does not exist (sandbox)",
                };
            }
            else if (kind == "delivered")
            {
                data["delivery-status"] = new JsonObject { ["code"] = 250, ["message"] = "OK", ["description"] = "" };
            }

            var signingKey = Encoding.UTF8.GetBytes(state.Setting(Key, "WebhookSigningKey", "sandbox-signing-key"));
            state.Callbacks.Post(() =>
            {
                var timestamp = state.Time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                var token = RandomNumberGenerator.GetHexString(50, lowercase: true);
                var body = new JsonObject
                {
                    ["signature"] = new JsonObject
                    {
                        ["timestamp"] = timestamp,
                        ["token"] = token,
                        ["signature"] = Convert.ToHexStringLower(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(timestamp + token))),
                    },
                    ["event-data"] = data.DeepClone(),
                };
                return new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
            });
        }
    }

    /// <summary>The address of <c>addr</c> or <c>Name &lt;addr&gt;</c>, or null when it is not a valid address.</summary>
    private static string? Address(string value)
    {
        var open = value.LastIndexOf('<');
        var address = open >= 0 && value.EndsWith('>') ? value[(open + 1)..^1].Trim() : value.Trim();
        return EmailPattern().IsMatch(address) ? address : null;
    }

    [GeneratedRegex(@"^[^\s@<>()\[\],;:""]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")]
    private static partial Regex EmailPattern();
}
