using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Herald.Sandbox.Core;
using Microsoft.AspNetCore.WebUtilities;

namespace Herald.Sandbox.Vendors;

/// <summary>
/// Twilio Programmable Messaging: <c>POST</c> and <c>GET /2010-04-01/Accounts/{AccountSid}/Messages.json</c> and
/// <c>GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json</c> (one message's current status; 404 with error 20404
/// for a SID it does not hold) with HTTP basic auth, Twilio's Message resource and error bodies, faults on every one, and
/// signed status callbacks (<c>sent</c>, then <c>delivered</c>; <c>undelivered</c> with ErrorCode 30003 for To numbers
/// ending in 0666) to the request's StatusCallback. Lost callbacks: for To numbers ending in 0667 the message ends
/// <c>undelivered</c> (30003) and for those ending in 0668 <c>delivered</c>, but only the <c>sent</c> callback is posted,
/// never the final one, so only fetching the message tells.
/// Settings (<c>Sandbox:twilio:*</c>): <c>AccountSid</c> (default <c>AC00000000000000000000000000000000</c>),
/// <c>AuthToken</c> (default <c>sandbox-auth-token</c>, also the callback signing key), <c>ApiKeySid</c>/<c>ApiKeySecret</c>
/// (default <c>SK00000000000000000000000000000000</c>/<c>sandbox-api-key-secret</c>), <c>CallbackUrl</c> (for messages
/// without a StatusCallback, and for inbound messages).
/// Magic To numbers (Twilio's test numbers): +15005550001 → 21211, +15005550002 → 21612, +15005550003 → 21408,
/// +15005550004 → 21610, +15005550009 → 21614. Admin: <c>POST /_sandbox/twilio/inbound</c>
/// <c>{"from","to","body","url"?}</c> posts a signed inbound message.
/// </summary>
public sealed partial class TwilioVendor(SandboxState state) : ISandboxVendor
{
    private const string ApiVersion = "2010-04-01";

    private static readonly Dictionary<string, (int Code, string Message)> MagicNumbers = new(StringComparer.Ordinal)
    {
        ["+15005550001"] = (21211, "The 'To' number +15005550001 is not a valid phone number."),
        ["+15005550002"] = (21612, "The 'To' phone number: +15005550002, is not currently reachable using the 'From' phone number via SMS."),
        ["+15005550003"] = (21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +15005550003."),
        ["+15005550004"] = (21610, "Attempt to send to unsubscribed recipient"),
        ["+15005550009"] = (21614, "'To' number is not a valid mobile number"),
    };

    public string Key => "twilio";

    private string AccountSid => state.Setting(Key, "AccountSid", "AC00000000000000000000000000000000");

    private string AuthToken => state.Setting(Key, "AuthToken", "sandbox-auth-token");

    public void Map(IEndpointRouteBuilder app)
    {
        const string messages = "/2010-04-01/Accounts/{accountSid}/Messages.json";
        app.MapPost(messages, (string accountSid, HttpContext http) => CreateAsync(accountSid, http));
        app.MapGet(messages, (string accountSid, HttpContext http) => ListAsync(accountSid, http));
        app.MapGet("/2010-04-01/Accounts/{accountSid}/Messages/{sid}.json", (string accountSid, string sid, HttpContext http) => FetchAsync(accountSid, sid, http));
        app.MapPost("/_sandbox/twilio/inbound", (HttpRequest request) => InboundAsync(request.HttpContext));
    }

    public IResult ErrorResult(int status, string? code, string message)
    {
        var number = int.TryParse(code, CultureInfo.InvariantCulture, out var c) ? c : status == 401 ? 20003 : 20000 + status;
        return Results.Json(new JsonObject
        {
            ["code"] = number,
            ["message"] = message,
            ["more_info"] = $"https://www.twilio.com/docs/errors/{number}",
            ["status"] = status,
        }, statusCode: status);
    }

    private async Task<IResult> CreateAsync(string accountSid, HttpContext http)
    {
        if (await state.Faults.BeforeAsync(this, http) is { } fault)
        {
            return fault;
        }

        if (Authenticate(http, accountSid) is { } denied)
        {
            return denied;
        }

        var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(http.RequestAborted) : FormCollection.Empty;
        string? Field(string key) => form.TryGetValue(key, out var v) && v.ToString() is { Length: > 0 } s ? s : null;
        var (to, from, service, body, callback) = (Field("To"), Field("From"), Field("MessagingServiceSid"), Field("Body"), Field("StatusCallback"));
        if (Invalid(to, from, service, body, callback) is { } invalid)
        {
            return invalid;
        }

        var message = new SandboxMessage
        {
            Id = SandboxState.NewId("SM"),
            Vendor = Key,
            Reference = callback is null ? null : QueryHelpers.ParseQuery(new Uri(callback).Query).GetValueOrDefault("herald_delivery_id").ToString() is { Length: > 0 } r ? r : null,
            To = to!,
            Fields = new JsonObject(form.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)JsonValue.Create(f.Value.ToString())))),
            Headers = http.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
            At = state.Time.GetUtcNow(),
            Status = "queued",
        };
        state.Messages.Add(message);
        if ((callback ?? state.CallbackUrl(Key)) is { } url)
        {
            ReportStatus(message, url);
        }
        else
        {
            message.Status = Final(message).Status;
        }

        if (await state.Faults.AfterAcceptAsync(Key, http))
        {
            return Results.Empty;
        }

        return Results.Json(Resource(message, asCreated: true), statusCode: 201);
    }

    private IResult? Invalid(string? to, string? from, string? service, string? body, string? callback)
    {
        if (to is null)
        {
            return ErrorResult(400, "21604", "A 'To' phone number is required.");
        }

        if (!E164().IsMatch(to))
        {
            return ErrorResult(400, "21211", $"The 'To' number {to} is not a valid phone number.");
        }

        if (from is null && service is null)
        {
            return ErrorResult(400, "21603", "A 'From' or 'MessagingServiceSid' parameter is required to send a message.");
        }

        if (from is not null && !Sender().IsMatch(from))
        {
            return ErrorResult(400, "21212", $"The 'From' number {from} is not a valid phone number, shortcode, or alphanumeric sender ID.");
        }

        if (service is not null && !ServiceSid().IsMatch(service))
        {
            return ErrorResult(400, "21701", $"The Messaging Service Sid {service} is invalid.");
        }

        if (body is null)
        {
            return ErrorResult(400, "21602", "Message body is required.");
        }

        if (body.Length > 1600)
        {
            return ErrorResult(400, "21617", "The concatenated message body exceeds the 1600 character limit.");
        }

        if (callback is not null && (!Uri.TryCreate(callback, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            return ErrorResult(400, "21609", $"The StatusCallback URL {callback} is not a valid URL.");
        }

        return MagicNumbers.TryGetValue(to, out var magic) ? ErrorResult(400, magic.Code.ToString(CultureInfo.InvariantCulture), magic.Message) : null;
    }

    private async Task<IResult> ListAsync(string accountSid, HttpContext http)
    {
        if (await state.Faults.BeforeAsync(this, http) is { } fault)
        {
            return fault;
        }

        if (Authenticate(http, accountSid) is { } denied)
        {
            return denied;
        }

        var query = http.Request.Query;
        string? Param(string key) => query[key].ToString() is { Length: > 0 } s ? s : null;
        var (to, from) = (Param("To"), Param("From"));
        DateOnly? on = null, onOrAfter = null, onOrBefore = null;
        foreach (var (key, set) in new (string, Action<DateOnly>)[] { ("DateSent", d => on = d), ("DateSent>", d => onOrAfter = d), ("DateSent<", d => onOrBefore = d) })
        {
            if (Param(key) is not { } value)
            {
                continue;
            }

            if (!DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                return ErrorResult(400, "20001", $"Invalid {key}: {value} (expected YYYY-MM-DD)");
            }

            set(date);
        }

        var size = Param("PageSize") is { } ps ? int.TryParse(ps, CultureInfo.InvariantCulture, out var s) ? s : -1 : 50;
        var page = Param("Page") is { } pg ? int.TryParse(pg, CultureInfo.InvariantCulture, out var p) ? p : -1 : 0;
        if (size is < 1 or > 1000 || page < 0)
        {
            return ErrorResult(400, "20001", "PageSize must be 1..1000 and Page a non-negative integer");
        }

        var all = state.Messages.Find(Key, to: to)
            .Where(m => from is null || Text(m, "From") == from)
            .Where(m => DateOnly.FromDateTime(m.At.UtcDateTime) is var sent
                && (on is null || sent == on) && (onOrAfter is null || sent >= onOrAfter) && (onOrBefore is null || sent <= onOrBefore))
            .OrderByDescending(m => m.At).ThenByDescending(m => m.Id, StringComparer.Ordinal)
            .ToList();
        var filters = string.Concat(new[] { ("To", to), ("From", from), ("DateSent", Param("DateSent")), ("DateSent>", Param("DateSent>")), ("DateSent<", Param("DateSent<")) }
            .Where(f => f.Item2 is not null).Select(f => $"{Uri.EscapeDataString(f.Item1)}={Uri.EscapeDataString(f.Item2!)}&"));
        string PageUri(int n) => $"/2010-04-01/Accounts/{AccountSid}/Messages.json?{filters}PageSize={size}&Page={n}" + (n > 0 ? $"&PageToken=PASM{n * size}" : "");
        var items = all.Skip(page * size).Take(size).Select(m => (JsonNode)Resource(m, asCreated: false)).ToList();
        return Results.Json(new JsonObject
        {
            ["first_page_uri"] = PageUri(0),
            ["end"] = page * size + Math.Max(items.Count - 1, 0),
            ["previous_page_uri"] = page > 0 ? PageUri(page - 1) : null,
            ["messages"] = new JsonArray([.. items]),
            ["uri"] = PageUri(page),
            ["page_size"] = size,
            ["start"] = page * size,
            ["next_page_uri"] = (page + 1) * size < all.Count ? PageUri(page + 1) : null,
            ["page"] = page,
        });
    }

    private async Task<IResult> FetchAsync(string accountSid, string sid, HttpContext http)
    {
        if (await state.Faults.BeforeAsync(this, http) is { } fault)
        {
            return fault;
        }

        if (Authenticate(http, accountSid) is { } denied)
        {
            return denied;
        }

        return state.Messages.Get(sid) is { } message && message.Vendor == Key
            ? Results.Json(Resource(message, asCreated: false))
            : ErrorResult(404, "20404", $"The requested resource /2010-04-01/Accounts/{accountSid}/Messages/{sid}.json was not found");
    }

    private async Task<IResult> InboundAsync(HttpContext http)
    {
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
        }
        catch (JsonException ex)
        {
            return Results.Problem(statusCode: 400, title: "malformed JSON", detail: ex.Message);
        }

        string? Text(string key) => body?[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (Text("from") is not { } from || Text("to") is not { } to || Text("body") is not { } text || (Text("url") ?? state.CallbackUrl(Key)) is not { } url)
        {
            return Results.Problem(statusCode: 400, title: "need {\"from\", \"to\", \"body\"} and a \"url\" or a callback URL set for twilio");
        }

        var sid = SandboxState.NewId("SM");
        List<KeyValuePair<string, string>> fields =
        [
            new("AccountSid", AccountSid), new("ApiVersion", ApiVersion), new("Body", text), new("From", from), new("MessageSid", sid),
            new("NumMedia", "0"), new("NumSegments", "1"), new("SmsMessageSid", sid), new("SmsSid", sid), new("SmsStatus", "received"), new("To", to),
        ];
        state.Callbacks.Post(() => Signed(url, fields));
        return Results.Json(new JsonObject { ["sid"] = sid, ["url"] = url }, statusCode: 202);
    }

    /// <summary>
    /// Queues "sent", and once that went out "delivered" (or "undelivered" with 30003 for numbers ending in 0666). For
    /// numbers ending in 0667 or 0668 the message reaches its final status when "sent" goes out, and no final callback follows.
    /// </summary>
    private void ReportStatus(SandboxMessage message, string url)
    {
        var (status, errorCode) = Final(message);
        var lost = message.To.EndsWith("0667", StringComparison.Ordinal) || message.To.EndsWith("0668", StringComparison.Ordinal);
        var chained = 0;
        state.Callbacks.Post(() =>
        {
            if (Interlocked.Exchange(ref chained, 1) == 0)
            {
                message.Status = lost ? status : "sent";
                if (!lost)
                {
                    state.Callbacks.Post(() =>
                    {
                        message.Status = status;
                        return StatusCallback(message, url, status, errorCode);
                    });
                }
            }

            return StatusCallback(message, url, "sent", null);
        });
    }

    private static (string Status, string? ErrorCode) Final(SandboxMessage message) =>
        message.To.EndsWith("0666", StringComparison.Ordinal) || message.To.EndsWith("0667", StringComparison.Ordinal) ? ("undelivered", "30003") : ("delivered", null);

    private HttpRequestMessage StatusCallback(SandboxMessage message, string url, string status, string? errorCode)
    {
        List<KeyValuePair<string, string>> fields =
        [
            new("AccountSid", AccountSid), new("ApiVersion", ApiVersion), new("MessageSid", message.Id), new("MessageStatus", status),
            new("SmsSid", message.Id), new("SmsStatus", status), new("To", message.To),
        ];
        if (Text(message, "From") is { } from)
        {
            fields.Add(new("From", from));
        }

        if (Text(message, "MessagingServiceSid") is { } service)
        {
            fields.Add(new("MessagingServiceSid", service));
        }

        if (errorCode is not null)
        {
            fields.Add(new("ErrorCode", errorCode));
        }

        return Signed(url, fields);
    }

    /// <summary>A form POST signed as Twilio signs: base64 HMAC-SHA1(auth token, URL + sorted name/value pairs).</summary>
    private HttpRequestMessage Signed(string url, List<KeyValuePair<string, string>> fields)
    {
        var data = new StringBuilder(url);
        foreach (var (key, value) in fields.OrderBy(f => f.Key, StringComparer.Ordinal).ThenBy(f => f.Value, StringComparer.Ordinal))
        {
            data.Append(key).Append(value);
        }

#pragma warning disable CA5350 // Twilio's webhook signature is HMAC-SHA1 by definition.
        var signature = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(AuthToken), Encoding.UTF8.GetBytes(data.ToString())));
#pragma warning restore CA5350
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("X-Twilio-Signature", signature);
        request.Headers.UserAgent.ParseAdd("TwilioProxy/1.1");
        return request;
    }

    private IResult? Authenticate(HttpContext http, string accountSid)
    {
        var ok = !state.Faults.InvalidCredentials(Key) && accountSid == AccountSid && Basic(http) is var (user, password)
            && ((user == AccountSid && password == AuthToken)
                || (user == state.Setting(Key, "ApiKeySid", "SK00000000000000000000000000000000") && password == state.Setting(Key, "ApiKeySecret", "sandbox-api-key-secret")));
        if (ok)
        {
            return null;
        }

        http.Response.Headers.WWWAuthenticate = "Basic realm=\"Twilio API\"";
        return ErrorResult(401, "20003", "Authenticate");
    }

    private static (string User, string Password)? Basic(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : (decoded[..colon], decoded[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private JsonObject Resource(SandboxMessage m, bool asCreated)
    {
        var uri = $"/2010-04-01/Accounts/{AccountSid}/Messages/{m.Id}.json";
        var status = asCreated ? "queued" : m.Status;
        var body = Text(m, "Body") ?? "";
        var failed = status == "undelivered";
        return new JsonObject
        {
            ["account_sid"] = AccountSid,
            ["api_version"] = ApiVersion,
            ["body"] = body,
            ["date_created"] = Rfc2822(m.At),
            ["date_sent"] = asCreated ? null : Rfc2822(m.At),
            ["date_updated"] = Rfc2822(m.At),
            ["direction"] = "outbound-api",
            ["error_code"] = failed ? 30003 : null,
            ["error_message"] = failed ? "Unreachable destination handset" : null,
            ["from"] = Text(m, "From"),
            ["messaging_service_sid"] = Text(m, "MessagingServiceSid"),
            ["num_media"] = "0",
            ["num_segments"] = (body.Length <= 160 ? 1 : (body.Length + 152) / 153).ToString(CultureInfo.InvariantCulture),
            ["price"] = null,
            ["price_unit"] = "USD",
            ["sid"] = m.Id,
            ["status"] = status,
            ["subresource_uris"] = new JsonObject { ["media"] = uri.Replace(".json", "/Media.json", StringComparison.Ordinal) },
            ["to"] = m.To,
            ["uri"] = uri,
        };
    }

    private static string? Text(SandboxMessage m, string field) => m.Fields[field] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;

    private static string Rfc2822(DateTimeOffset at) => at.UtcDateTime.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^\+[1-9][0-9]{1,14}$")]
    private static partial Regex E164();

    /// <summary>An E.164 number, a short code or an alphanumeric sender id.</summary>
    [GeneratedRegex(@"^(\+[1-9][0-9]{1,14}|[0-9]{5,6}|(?=[A-Za-z0-9 ]*[A-Za-z])[A-Za-z0-9 ]{1,11})$")]
    private static partial Regex Sender();

    [GeneratedRegex("^MG[0-9a-fA-F]{32}$")]
    private static partial Regex ServiceSid();
}
