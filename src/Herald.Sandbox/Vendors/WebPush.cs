using System.Buffers.Binary;
using System.Buffers.Text;
using System.Collections.Concurrent;
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
/// A Web Push service (RFC 8030) with VAPID (RFC 8292) and RFC 8291 encryption, answering errors in the autopush JSON
/// shape (<c>{"code","errno","error","message","more_info"}</c>).
/// <para><c>POST /_sandbox/webpush/subscriptions</c> with an optional <c>{"id", "applicationServerKey"}</c> subscribes a
/// browser: the sandbox keeps the P-256 private key and auth secret and answers the PushSubscription JSON whose endpoint is
/// <c>{origin}/wp/{id}</c>. <c>DELETE /_sandbox/webpush/subscriptions/{id}</c> unsubscribes it (later pushes get 410).</para>
/// <para><c>POST /wp/{id}</c> checks, in order: the subscription (unknown 404; ids starting with <c>gone</c> and
/// unsubscribed ones 410), <c>Authorization: vapid t, k</c> (absent or malformed 401; a bad signature, <c>aud</c> other than
/// the endpoint's origin, <c>exp</c> past or more than 24 h ahead, no mailto:/https: <c>sub</c>, or <c>k</c> other than the
/// subscription's applicationServerKey 403), the <c>TTL</c> header (400), <c>Content-Encoding: aes128gcm</c> (400),
/// <c>Topic</c> (400), the body size (over 4096 bytes 413), and that the body decrypts with the subscription's keys (400).
/// It then records the plaintext with Reference = its <c>herald_delivery_id</c> and answers 201 with
/// <c>Location: {origin}/wp/messages/{message id}</c>.</para>
/// <para>There are no credentials: VAPID keys are self-certifying. <c>Sandbox:webpush:ApplicationServerKey</c> (default none)
/// restricts every new subscription to that key, as a site subscribing with an applicationServerKey does. Fault
/// <c>invalid_credentials</c> answers 403.</para>
/// </summary>
public sealed partial class WebPushVendor(SandboxState state) : ISandboxVendor
{
    private const int MaxBody = 4096;
    private const string MoreInfo = "http://autopush.readthedocs.io/en/latest/http.html#error-codes";
    private readonly ConcurrentDictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);

    public string Key => "webpush";

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/_sandbox/webpush/subscriptions", SubscribeAsync);
        app.MapDelete("/_sandbox/webpush/subscriptions/{id}", (string id) =>
        {
            if (!_subscriptions.TryGetValue(id, out var subscription))
            {
                return Results.NotFound();
            }

            subscription.Revoked = true;
            return Results.NoContent();
        });
        app.MapPost("/wp/{id}", PushAsync);
    }

    public IResult ErrorResult(int status, string? code, string message) => Results.Json(new JsonObject
    {
        ["code"] = status,
        ["errno"] = int.TryParse(code, CultureInfo.InvariantCulture, out var errno) ? errno : DefaultErrno(status),
        ["error"] = ReasonPhrases.GetReasonPhrase(status),
        ["message"] = message,
        ["more_info"] = MoreInfo,
    }, statusCode: status);

    private async Task<IResult> SubscribeAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        JsonObject? body;
        try
        {
            body = string.IsNullOrWhiteSpace(text) ? new JsonObject() : JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            body = null;
        }

        var id = Text(body?["id"]) ?? Guid.NewGuid().ToString("N");
        var serverKey = Text(body?["applicationServerKey"]) ?? state.Setting(Key, "ApplicationServerKey", "");
        if (body is null || !IdPattern().IsMatch(id) || (serverKey.Length > 0 && Decode(serverKey) is not { Length: 65 }))
        {
            return Results.Problem(statusCode: 400, title: "need {\"id\"?: [A-Za-z0-9_-]{1,64}, \"applicationServerKey\"?: base64url P-256 point}");
        }

        using var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var subscription = new Subscription(key.ExportParameters(true), RandomNumberGenerator.GetBytes(16), serverKey.Length > 0 ? Decode(serverKey) : null);
        if (!_subscriptions.TryAdd(id, subscription))
        {
            return Results.Problem(statusCode: 409, title: $"subscription '{id}' exists");
        }

        var q = subscription.Key.Q;
        return Results.Json(new JsonObject
        {
            ["endpoint"] = $"{Origin(request)}/wp/{id}",
            ["expirationTime"] = null,
            ["keys"] = new JsonObject { ["p256dh"] = Base64Url.EncodeToString([0x04, .. q.X!, .. q.Y!]), ["auth"] = Base64Url.EncodeToString(subscription.Auth) },
        }, statusCode: 201);
    }

    private async Task<IResult> PushAsync(string id, HttpContext http)
    {
        if (await state.Faults.BeforeAsync(this, http) is { } fault)
        {
            return fault;
        }

        _subscriptions.TryGetValue(id, out var subscription);
        if (id.StartsWith("gone", StringComparison.Ordinal) || subscription is { Revoked: true })
        {
            return ErrorResult(410, "106", "Invalid subscription: the user agent unsubscribed");
        }

        if (subscription is null)
        {
            return ErrorResult(404, "102", "Invalid URL endpoint");
        }

        var request = http.Request;
        var (refusal, vapid) = Vapid(request, subscription);
        if (refusal is not null)
        {
            return refusal;
        }

        if (state.Faults.InvalidCredentials(Key))
        {
            return ErrorResult(403, "109", "Invalid authentication (sandbox)");
        }

        if (request.Headers["TTL"].ToString() is not { Length: > 0 } ttlText)
        {
            return ErrorResult(400, "111", "Missing TTL header");
        }

        if (!int.TryParse(ttlText, NumberStyles.None, CultureInfo.InvariantCulture, out var ttl))
        {
            return ErrorResult(400, "112", "Invalid TTL header value");
        }

        if (!string.Equals(request.Headers.ContentEncoding.ToString(), "aes128gcm", StringComparison.OrdinalIgnoreCase))
        {
            return ErrorResult(400, "110", "Content-Encoding must be aes128gcm (RFC 8291)");
        }

        var topic = request.Headers["Topic"].ToString();
        if (topic.Length > 0 && !TopicPattern().IsMatch(topic))
        {
            return ErrorResult(400, "113", "Invalid Topic header value: at most 32 base64url characters");
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, http.RequestAborted);
        if (buffer.Length > MaxBody)
        {
            return ErrorResult(413, "104", $"Data payload too large: {buffer.Length} bytes, at most {MaxBody}");
        }

        if (Decrypt(buffer.ToArray(), subscription) is not { } plaintext)
        {
            return ErrorResult(400, "110", "The body does not decrypt with the subscription's keys (RFC 8291 aes128gcm)");
        }

        var text = Encoding.UTF8.GetString(plaintext);
        var payload = ParseObject(text);
        var messageId = SandboxState.NewId("wpm_");
        state.Messages.Add(new SandboxMessage
        {
            Id = messageId,
            Vendor = Key,
            Reference = Text(payload?["herald_delivery_id"]),
            To = id,
            Fields = new JsonObject
            {
                ["endpoint"] = $"{Origin(request)}/wp/{id}",
                ["ttl"] = ttl,
                ["urgency"] = request.Headers["Urgency"].ToString() is { Length: > 0 } u ? u : "normal",
                ["topic"] = topic.Length > 0 ? topic : null,
                ["body_bytes"] = buffer.Length,
                ["vapid"] = vapid,
                ["plaintext"] = text,
                ["payload"] = payload,
            },
            Headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal),
            At = state.Time.GetUtcNow(),
        });
        if (await state.Faults.AfterAcceptAsync(Key, http))
        {
            return Results.Empty;
        }

        http.Response.Headers.Location = $"{Origin(request)}/wp/messages/{messageId}";
        http.Response.Headers["TTL"] = ttl.ToString(CultureInfo.InvariantCulture);
        return Results.StatusCode(201);
    }

    /// <summary>RFC 8292 §3-4: absent or malformed credentials are 401, a token that does not hold is 403.</summary>
    private (IResult? Refusal, JsonObject? Claims) Vapid(HttpRequest request, Subscription subscription)
    {
        var header = request.Headers.Authorization.ToString();
        var parameters = header.StartsWith("vapid ", StringComparison.OrdinalIgnoreCase)
            ? header[6..].Split(',', StringSplitOptions.TrimEntries).Select(p => p.Split('=', 2)).Where(p => p.Length == 2)
                .ToDictionary(p => p[0].ToLowerInvariant(), p => p[1], StringComparer.Ordinal)
            : [];
        var parts = parameters.GetValueOrDefault("t")?.Split('.');
        if (Decode(parameters.GetValueOrDefault("k")) is not { Length: 65 } k || k[0] != 0x04 || parts is not { Length: 3 })
        {
            return (ErrorResult(401, "109", "Authorization: vapid t=<JWT>, k=<key> is required (RFC 8292)"), null);
        }

        if (subscription.ServerKey is { } restricted && !restricted.AsSpan().SequenceEqual(k))
        {
            return (ErrorResult(403, "109", "k is not the applicationServerKey this subscription was made with"), null);
        }

        var header0 = ParseObject(Decode(parts[0]) is { } h ? Encoding.UTF8.GetString(h) : "");
        var claims = ParseObject(Decode(parts[1]) is { } c ? Encoding.UTF8.GetString(c) : "");
        if (Text(header0?["alg"]) != "ES256" || claims is null || Decode(parts[2]) is not { Length: 64 } signature)
        {
            return (ErrorResult(403, "109", "the JWT must be ES256 with a JSON claims set"), null);
        }

        using var ecdsa = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = k[1..33], Y = k[33..] } });
        var now = state.Time.GetUtcNow().ToUnixTimeSeconds();
        var exp = claims["exp"] is JsonValue e && e.TryGetValue<long>(out var x) ? x : 0;
        var sub = Text(claims["sub"]) ?? "";
        var problem =
            !ecdsa.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), signature, HashAlgorithmName.SHA256) ? "the JWT signature does not verify with k"
            : !string.Equals(Text(claims["aud"]), Origin(request), StringComparison.OrdinalIgnoreCase) ? $"aud must be {Origin(request)}"
            : exp <= now ? "the JWT has expired"
            : exp > now + (long)TimeSpan.FromHours(24).TotalSeconds ? "exp is more than 24 hours ahead"
            : !sub.StartsWith("mailto:", StringComparison.Ordinal) && !sub.StartsWith("https:", StringComparison.Ordinal) ? "sub must be a mailto: or https: URI"
            : null;
        claims["k"] = parameters["k"];
        return problem is null ? (null, claims) : (ErrorResult(403, "109", problem), null);
    }

    /// <summary>RFC 8291 / RFC 8188 aes128gcm, one record (the sandbox does not reference Herald.Providers).</summary>
    private static byte[]? Decrypt(byte[] body, Subscription subscription)
    {
        if (body.Length < 86 + 17 || body[20] != 65 || body.Length - 86 > BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(16)))
        {
            return null;
        }

        try
        {
            byte[] asPublic = body[21..86];
            using var receiver = ECDiffieHellman.Create(subscription.Key);
            using var sender = ECDiffieHellman.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = asPublic[1..33], Y = asPublic[33..] } });
            byte[] keyInfo = [.. "WebPush: info\0"u8, 0x04, .. subscription.Key.Q.X!, .. subscription.Key.Q.Y!, .. asPublic];
            var ikm = HKDF.DeriveKey(HashAlgorithmName.SHA256, receiver.DeriveRawSecretAgreement(sender.PublicKey), 32, subscription.Auth, keyInfo);
            var prk = HKDF.Extract(HashAlgorithmName.SHA256, ikm, body[..16]);
            var record = new byte[body.Length - 86 - 16];
            using var aes = new AesGcm(HKDF.Expand(HashAlgorithmName.SHA256, prk, 16, "Content-Encoding: aes128gcm\0"u8.ToArray()), 16);
            aes.Decrypt(HKDF.Expand(HashAlgorithmName.SHA256, prk, 12, "Content-Encoding: nonce\0"u8.ToArray()), body.AsSpan(86, record.Length), body.AsSpan(^16), record);
            var end = Array.FindLastIndex(record, b => b != 0);
            return end >= 0 && record[end] == 0x02 ? record[..end] : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static JsonObject? ParseObject(string text)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static byte[]? Decode(string? text) =>
        text is { Length: > 0 } && Base64Url.IsValid(text.TrimEnd('=')) ? Base64Url.DecodeFromChars(text.TrimEnd('=')) : null;

    private static string Origin(HttpRequest request) => $"{request.Scheme}://{request.Host}";

    private static int DefaultErrno(int status) => status switch
    {
        400 => 110,
        401 or 403 => 109,
        404 => 102,
        410 => 103,
        413 => 104,
        429 or 503 => 201,
        _ => 999,
    };

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,32}$")]
    private static partial Regex TopicPattern();

    private sealed class Subscription(ECParameters key, byte[] auth, byte[]? serverKey)
    {
        public ECParameters Key { get; } = key;

        public byte[] Auth { get; } = auth;

        public byte[]? ServerKey { get; } = serverKey;

        public bool Revoked { get; set; }
    }
}
