using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Herald.Sandbox.Core;

namespace Herald.Sandbox.Vendors;

/// <summary>
/// Vonage's SMS API: <c>POST</c> (form or JSON) and <c>GET /sms/json</c> with <c>api_key</c>/<c>api_secret</c> in the
/// parameters. Like Vonage it answers HTTP 200 for refusals too, with a non-zero <c>messages[].status</c>; bad credentials
/// are status 4. Accepted messages are recorded with Reference = <c>client-ref</c> and get a delivery receipt at the
/// request's <c>callback</c> (else <c>Sandbox:vonage:CallbackUrl</c>): <c>delivered</c>, or <c>failed</c> with err-code 3
/// for numbers ending in 0666.
/// Settings (<c>Sandbox:vonage:*</c>): <c>ApiKey</c> (default <c>sandbox-key</c>), <c>ApiSecret</c> (default
/// <c>sandbox-secret</c>), <c>SignatureSecret</c> (no default; when set receipts carry <c>timestamp</c>, <c>nonce</c> and
/// <c>sig</c>), <c>SignatureMethod</c> (<c>sha256</c> default, or <c>sha512</c>), <c>CallbackFormat</c> (<c>json</c>
/// default, <c>form</c> or <c>get</c>).
/// Magic numbers: to <c>15005550001</c> → status 3 (invalid parameters), <c>15005550007</c> → status 7 (number barred).
/// </summary>
public sealed partial class VonageVendor(SandboxState state) : ISandboxVendor
{
    public string Key => "vonage";

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/sms/json", (HttpRequest request) => SendAsync(request.HttpContext));
        app.MapGet("/sms/json", (HttpRequest request) => SendAsync(request.HttpContext));
    }

    public IResult ErrorResult(int status, string? code, string message) =>
        Answer(new JsonObject { ["status"] = code ?? (status == 429 ? "1" : status is 401 or 403 ? "4" : "5"), ["error-text"] = message }, status);

    private async Task<IResult> SendAsync(HttpContext http)
    {
        if (await state.Faults.BeforeAsync(this, http) is { } fault)
        {
            return fault;
        }

        var p = await ParametersAsync(http.Request);
        string? Param(string key) => p.TryGetValue(key, out var v) && v.Length > 0 ? v : null;
        if (Param("api_key") is null || Param("api_secret") is null)
        {
            return Refused("2", $"Missing {(Param("api_key") is null ? "api_key" : "api_secret")}");
        }

        if (state.Faults.InvalidCredentials(Key) || Param("api_key") != state.Setting(Key, "ApiKey", "sandbox-key")
            || Param("api_secret") != state.Setting(Key, "ApiSecret", "sandbox-secret"))
        {
            return Refused("4", "Bad Credentials");
        }

        if (Invalid(Param("from"), Param("to"), Param("text"), Param("type"), Param("client-ref"), Param("callback")) is { } invalid)
        {
            return invalid;
        }

        var message = new SandboxMessage
        {
            Id = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)),
            Vendor = Key,
            Reference = Param("client-ref"),
            To = Param("to")!,
            Fields = new JsonObject(p.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)JsonValue.Create(f.Value)))),
            Headers = http.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
            At = state.Time.GetUtcNow(),
            Status = "accepted",
        };
        state.Messages.Add(message);
        if ((Param("callback") ?? state.CallbackUrl(Key)) is { } url)
        {
            state.Callbacks.Post(() => Receipt(message, url));
        }

        if (await state.Faults.AfterAcceptAsync(Key, http))
        {
            return Results.Empty;
        }

        return Answer(new JsonObject
        {
            ["to"] = message.To,
            ["message-id"] = message.Id,
            ["status"] = "0",
            ["remaining-balance"] = "15.53590000",
            ["message-price"] = "0.03330000",
            ["network"] = "23410",
            ["client-ref"] = message.Reference,
        }, 200);
    }

    private static IResult? Invalid(string? from, string? to, string? text, string? type, string? clientRef, string? callback)
    {
        if (from is null || to is null || (text is null && type is not ("binary" or "wappush")))
        {
            return Refused("2", $"Missing {(from is null ? "from" : to is null ? "to" : "text")} param");
        }

        if (!Msisdn().IsMatch(to) || to == "15005550001")
        {
            return Refused("3", "Invalid to address");
        }

        if (type is not (null or "text" or "unicode" or "binary" or "wappush" or "vcal" or "vcard"))
        {
            return Refused("3", "Invalid message type");
        }

        if (clientRef is { Length: > 100 })
        {
            return Refused("3", "client-ref exceeds 100 characters");
        }

        if (callback is not null && (!Uri.TryCreate(callback, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            return Refused("23", "Invalid Callback Url");
        }

        return to == "15005550007" ? Refused("7", "Number barred.") : null;
    }

    private HttpRequestMessage Receipt(SandboxMessage message, string url)
    {
        var failed = message.To.EndsWith("0666", StringComparison.Ordinal);
        message.Status = failed ? "failed" : "delivered";
        var now = state.Time.GetUtcNow().UtcDateTime;
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["msisdn"] = message.To,
            ["to"] = message.Fields["from"]?.GetValue<string>() ?? "",
            ["network-code"] = "23410",
            ["messageId"] = message.Id,
            ["price"] = "0.03330000",
            ["status"] = message.Status,
            ["scts"] = now.ToString("yyMMddHHmm", CultureInfo.InvariantCulture),
            ["err-code"] = failed ? "3" : "0",
            ["api-key"] = state.Setting(Key, "ApiKey", "sandbox-key"),
            ["message-timestamp"] = now.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        };
        if (message.Reference is { } reference)
        {
            fields["client-ref"] = reference;
        }

        if (state.Setting(Key, "SignatureSecret", "") is { Length: > 0 } secret)
        {
            fields["timestamp"] = new DateTimeOffset(now).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            fields["nonce"] = Guid.NewGuid().ToString();
            fields["sig"] = Sign(secret, state.Setting(Key, "SignatureMethod", "sha256"), fields);
        }

        return state.Setting(Key, "CallbackFormat", "json") switch
        {
            "form" => new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(fields) },
            "get" => new HttpRequestMessage(HttpMethod.Get, url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?")
                + string.Join('&', fields.Select(f => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(f.Value)}"))),
            _ => new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(fields) },
        };
    }

    /// <summary>Vonage's signature: sorted <c>&amp;key=value</c> pairs (with &amp; and = replaced by _), HMAC, upper-case hex.</summary>
    private static string Sign(string secret, string method, SortedDictionary<string, string> fields)
    {
        var data = string.Concat(fields.Where(f => f.Key != "sig").Select(f => $"&{Clean(f.Key)}={Clean(f.Value)}"));
        var (key, bytes) = (Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(data));
        return Convert.ToHexString(method == "sha512" ? HMACSHA512.HashData(key, bytes) : HMACSHA256.HashData(key, bytes));
    }

    private static string Clean(string s) => s.Replace('&', '_').Replace('=', '_');

    private static async Task<Dictionary<string, string>> ParametersAsync(HttpRequest request)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (request.HasFormContentType)
        {
            foreach (var (key, value) in await request.ReadFormAsync(request.HttpContext.RequestAborted))
            {
                result[key] = value.ToString();
            }
        }
        else if (request.HasJsonContentType())
        {
            try
            {
                if (await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted) is JsonObject json)
                {
                    foreach (var (key, value) in json)
                    {
                        result[key] = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? "";
                    }
                }
            }
            catch (JsonException)
            {
                // Vonage answers an unreadable body as missing parameters.
            }
        }

        foreach (var (key, value) in request.Query)
        {
            result.TryAdd(key, value.ToString());
        }

        return result;
    }

    private static IResult Refused(string status, string text) => Answer(new JsonObject { ["status"] = status, ["error-text"] = text }, 200);

    private static IResult Answer(JsonObject message, int status) =>
        Results.Json(new JsonObject { ["message-count"] = "1", ["messages"] = new JsonArray(message) }, statusCode: status);

    [GeneratedRegex("^[1-9][0-9]{6,14}$")]
    private static partial Regex Msisdn();
}
