using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Herald.Sandbox.Core;

namespace Herald.Sandbox.Vendors;

/// <summary>
/// Twilio SendGrid's v3 Mail Send API (<c>POST /v3/mail/send</c>) and its Signed Event Webhook.
/// <para>Checks, as the API does: <c>Authorization: Bearer {key}</c> (key <c>Sandbox:sendgrid:ApiKey</c>, default
/// <c>SG.sandbox-key</c>; wrong or fault <c>invalid_credentials</c> 401), a JSON body (400), then every field error at once
/// (400 with <c>{"errors":[{"message","field","help"}]}</c>): personalizations with a <c>to</c> of valid addresses, a valid
/// <c>from.email</c>, a subject, content blocks with non-empty type and value and text/plain before text/html, headers
/// and custom_args of strings and no reserved header. It records the message with Reference = <c>herald_delivery_id</c> of the
/// first personalization's <c>custom_args</c> (an object, as in SendGrid's OpenAPI document), else of the top-level
/// <c>custom_args</c> (a string in the document, holding a JSON object; the live API also takes an object there), and
/// answers 202 with an <c>X-Message-Id</c>. Events carry the custom args, a personalization's overriding the top level.</para>
/// <para>When a callback URL is set (<c>PUT /_sandbox/callbacks/sendgrid</c> or <c>Sandbox:sendgrid:CallbackUrl</c>) it posts a
/// signed event batch per message: processed + delivered; for recipients starting with <c>bounce</c> processed + bounce
/// (type bounce, 5.1.1); starting with <c>complaint</c> processed + delivered + spamreport. Events are signed with the
/// sandbox's own ECDSA P-256 key, whose public half <c>GET /_sandbox/sendgrid/public-key</c> returns as
/// <c>{"public_key": base64 SPKI}</c> (the value for the adapter's <c>WebhookPublicKey</c>).</para>
/// </summary>
public sealed partial class SendGridVendor(SandboxState state) : ISandboxVendor
{
    private static readonly string[] Reserved =
        ["x-sg-id", "x-sg-eid", "received", "dkim-signature", "content-type", "content-transfer-encoding", "to", "from", "subject", "reply-to", "cc", "bcc"];

    // Sandbox:sendgrid:SigningKey (base64 PKCS#8 P-256) fixes the key, so a checked-in local configuration can name its public half.
    private readonly (byte[] Private, byte[] Public) _key = state.Setting("sendgrid", "SigningKey", "") is { Length: > 0 } pkcs8 ? FromPkcs8(pkcs8) : NewKey();

    public string Key => "sendgrid";

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v3/mail/send", SendAsync);
        app.MapGet("/_sandbox/sendgrid/public-key", () => Results.Json(new JsonObject { ["public_key"] = Convert.ToBase64String(_key.Public) }));
    }

    public IResult ErrorResult(int status, string? code, string message) => Errors(status, [(null, message)]);

    private async Task<IResult> SendAsync(HttpRequest request)
    {
        var http = request.HttpContext;
        if (await state.Faults.BeforeAsync(this, http) is { } fault)
        {
            return fault;
        }

        var apiKey = state.Setting(Key, "ApiKey", "SG.sandbox-key");
        if (state.Faults.InvalidCredentials(Key) || http.Request.Headers.Authorization.ToString() != "Bearer " + apiKey)
        {
            return Errors(401, [(null, "The provided authorization grant is invalid, expired, or revoked")]);
        }

        JsonObject? body;
        try
        {
            body = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted) as JsonObject;
        }
        catch (JsonException)
        {
            body = null;
        }

        if (body is null)
        {
            return Errors(400, [(null, "Bad Request")]);
        }

        if (Validate(body) is { Count: > 0 } errors)
        {
            return Errors(400, errors);
        }

        var to = body["personalizations"]![0]!["to"]![0]!["email"]!.GetValue<string>();
        var customArgs = CustomArgs(body);
        var messageId = NewMessageId();
        state.Messages.Add(new SandboxMessage
        {
            Id = messageId,
            Vendor = Key,
            Reference = customArgs["herald_delivery_id"]?.GetValue<string>(),
            To = to,
            Fields = body,
            Headers = http.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal),
            At = state.Time.GetUtcNow(),
            Status = "processed",
        });
        if (await state.Faults.AfterAcceptAsync(Key, http))
        {
            return Results.Empty;
        }

        if (state.CallbackUrl(Key) is { } url)
        {
            PostEvents(url, to, messageId, customArgs);
        }

        http.Response.Headers["X-Message-Id"] = messageId;
        return Results.StatusCode(202);
    }

    private static List<(string? Field, string Message)> Validate(JsonObject body)
    {
        var errors = new List<(string?, string)>();
        if (body["personalizations"] is not JsonArray { Count: > 0 } personalizations)
        {
            errors.Add(("personalizations", "The personalizations field is required and must have at least one personalization."));
        }
        else
        {
            for (var i = 0; i < personalizations.Count; i++)
            {
                if (personalizations[i]?["to"] is not JsonArray { Count: > 0 } recipients)
                {
                    errors.Add(($"personalizations.{i}.to",
                        "The to array is required for all personalization objects, and must have at least one email object with a valid email address."));
                    continue;
                }

                for (var j = 0; j < recipients.Count; j++)
                {
                    if (!IsEmail(recipients[j]?["email"]))
                    {
                        errors.Add(($"personalizations.{i}.to.{j}.email", "Does not contain a valid address."));
                    }
                }

                ValidateStrings(personalizations[i]?["custom_args"], $"personalizations.{i}.custom_args", errors);
            }
        }

        if (body["from"] is not JsonObject from || from["email"] is null)
        {
            errors.Add(("from.email",
                "The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter."));
        }
        else if (!IsEmail(from["email"]))
        {
            errors.Add(("from.email", "The from email does not contain a valid address."));
        }

        if (body["subject"] is not JsonValue subject || subject.GetValueKind() != JsonValueKind.String || subject.GetValue<string>().Length == 0)
        {
            errors.Add(("subject",
                "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined."));
        }

        ValidateContent(body["content"], errors);
        ValidateStrings(body["headers"], "headers", errors);
        // The top level may be a string (SendGrid's OpenAPI document) or an object of strings (what its live API also takes).
        if (Text(body["custom_args"]) is null)
        {
            ValidateStrings(body["custom_args"], "custom_args", errors);
        }
        if (body["headers"] is JsonObject headers)
        {
            errors.AddRange(headers.Where(h => Reserved.Contains(h.Key, StringComparer.OrdinalIgnoreCase))
                .Select(h => ((string?)"headers", $"The '{h.Key}' header is reserved and cannot be set.")));
        }

        return errors;
    }

    private static void ValidateContent(JsonNode? node, List<(string?, string)> errors)
    {
        if (node is not JsonArray { Count: > 0 } content)
        {
            errors.Add(("content",
                "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block. We typically suggest both text/plain and text/html blocks are included, but only one block is required."));
            return;
        }

        var types = new List<string>();
        for (var i = 0; i < content.Count; i++)
        {
            if (Text(content[i]?["type"]) is not { Length: > 0 } type)
            {
                errors.Add(($"content.{i}.type", "The content type must be a string at least one character in length."));
                continue;
            }

            types.Add(type);
            if (Text(content[i]?["value"]) is not { Length: > 0 })
            {
                errors.Add(($"content.{i}.value", "The content value must be a string at least one character in length."));
            }
        }

        var plain = types.IndexOf("text/plain");
        var html = types.IndexOf("text/html");
        if ((plain > 0) || (html >= 0 && html != (plain == 0 ? 1 : 0)))
        {
            errors.Add(("content", "If present, text/plain must be first, followed by text/html, followed by any other content."));
        }
    }

    private static void ValidateStrings(JsonNode? node, string field, List<(string?, string)> errors)
    {
        if (node is null)
        {
            return;
        }

        if (node is not JsonObject obj || obj.Any(p => Text(p.Value) is null))
        {
            errors.Add((field, $"Invalid type. Expected: object of strings, given: {node.GetValueKind().ToString().ToLowerInvariant()}."));
        }
    }

    /// <summary>The message's custom args: the top level's (object, or a string holding one), then the first personalization's over them.</summary>
    private static JsonObject CustomArgs(JsonObject body)
    {
        var args = new JsonObject();
        var top = body["custom_args"] switch
        {
            JsonObject o => o,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => ParseObject(v.GetValue<string>()),
            _ => null,
        };
        foreach (var source in new[] { top, body["personalizations"]?[0]?["custom_args"] as JsonObject })
        {
            foreach (var (key, value) in source ?? [])
            {
                args[key] = value?.DeepClone();
            }
        }

        return args;
    }

    private static JsonObject? ParseObject(string json)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private void PostEvents(string url, string to, string messageId, JsonObject customArgs)
    {
        string[] kinds = to.StartsWith("bounce", StringComparison.OrdinalIgnoreCase) ? ["processed", "bounce"]
            : to.StartsWith("complaint", StringComparison.OrdinalIgnoreCase) ? ["processed", "delivered", "spamreport"]
            : ["processed", "delivered"];
        var now = state.Time.GetUtcNow().ToUnixTimeSeconds();
        var events = new JsonArray();
        foreach (var kind in kinds)
        {
            var e = new JsonObject
            {
                ["email"] = to,
                ["timestamp"] = now,
                ["event"] = kind,
                ["sg_event_id"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)),
                ["sg_message_id"] = $"{messageId}.filterdrecv-sandbox-1-{now:X}-0.0",
                ["smtp-id"] = $"<{messageId}@sandbox.sendgrid.test>",
            };
            if (kind == "bounce")
            {
                e["type"] = "bounce";
                e["status"] = "5.1.1";
                e["reason"] = "550 5.1.1 The email account that you tried to reach does not exist.";
            }
            else if (kind == "delivered")
            {
                e["response"] = "250 2.0.0 OK (sandbox)";
            }

            foreach (var (key, value) in customArgs)
            {
                e[key] = value?.DeepClone();
            }

            events.Add(e);
        }

        var body = events.ToJsonString();
        state.Callbacks.Post(() =>
        {
            var timestamp = state.Time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("X-Twilio-Email-Event-Webhook-Timestamp", timestamp);
            request.Headers.Add("X-Twilio-Email-Event-Webhook-Signature", Sign(timestamp + body));
            return request;
        });
    }

    private string Sign(string payload)
    {
        using var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(_key.Private, out _);
        return Convert.ToBase64String(key.SignData(Encoding.UTF8.GetBytes(payload), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
    }

    private static (byte[] Private, byte[] Public) FromPkcs8(string base64)
    {
        using var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(Convert.FromBase64String(base64), out _);
        return (key.ExportPkcs8PrivateKey(), key.ExportSubjectPublicKeyInfo());
    }

    private static (byte[] Private, byte[] Public) NewKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return (key.ExportPkcs8PrivateKey(), key.ExportSubjectPublicKeyInfo());
    }

    private static IResult Errors(int status, IEnumerable<(string? Field, string Message)> errors) => Results.Json(new JsonObject
    {
        ["errors"] = new JsonArray([.. errors.Select(e => (JsonNode)new JsonObject { ["message"] = e.Message, ["field"] = e.Field, ["help"] = null })]),
    }, statusCode: status);

    /// <summary>An id shaped like SendGrid's X-Message-Id: 22 base64url characters.</summary>
    private static string NewMessageId() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool IsEmail(JsonNode? node) => Text(node) is { } s && EmailPattern().IsMatch(s);

    private static string? Text(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    [GeneratedRegex(@"^[^\s@<>()\[\],;:""]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")]
    private static partial Regex EmailPattern();
}
