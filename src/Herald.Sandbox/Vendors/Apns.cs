using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Herald.Sandbox.Core;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Sandbox.Vendors;

/// <summary>
/// Apple Push Notification service (HTTP/2, token-based authentication), answering errors as APNs does:
/// <c>{"reason": ...}</c> with an <c>apns-id</c> header. Served on the HTTP/2 listener (SandboxHost.Http2BaseUrl);
/// requests that arrive over HTTP/1.1 are refused with 505, as APNs speaks HTTP/2 only.
/// <para>Credentials: <c>Sandbox:apns:TeamId</c> (default <c>HERALDTEAM</c>), <c>Sandbox:apns:KeyId</c> (default
/// <c>SANDBOXKEY</c>), <c>Sandbox:apns:BundleId</c> (default <c>com.example.herald</c>) and <c>Sandbox:apns:PrivateKey</c>
/// (a PKCS#8 PEM P-256 key; by default one is made at start). <c>GET /_sandbox/apns/key</c> serves them as
/// <c>{"team_id","key_id","private_key","bundle_id"}</c>, the key in the .p8 format Apple hands out.</para>
/// <para><c>POST /3/device/{token}</c> checks, in order: the provider token (none 403 MissingProviderToken; bad header,
/// kid, iss or ES256 signature 403 InvalidProviderToken, as does fault <c>invalid_credentials</c>; <c>iat</c> over an
/// hour old 403 ExpiredProviderToken), apns-topic (400 MissingTopic, other than the bundle id 400 TopicDisallowed),
/// apns-push-type (400 InvalidPushType), apns-priority (400 BadPriority), apns-expiration (400 BadExpirationDate),
/// apns-id (400 BadMessageId), apns-collapse-id (over 64 bytes 400 BadCollapseId), the device token (64 hex characters,
/// else 400 BadDeviceToken), the payload (over 4096 bytes 413 PayloadTooLarge, empty or not a JSON object with
/// <c>aps</c> 400 PayloadEmpty). Tokens starting with <c>dead</c> answer 410 Unregistered with a timestamp. Accepted
/// notifications are recorded with Reference = the payload's herald_delivery_id and answered 200 with the apns-id.</para>
/// </summary>
public sealed partial class ApnsVendor : ISandboxVendor
{
    private const string VendorKey = "apns";
    private const int MaxPayload = 4096;
    private static readonly string[] PushTypes = ["alert", "background", "location", "voip", "complication", "fileprovider", "mdm", "liveactivity", "pushtotalk", "widgets", "controls"];

    private readonly SandboxState _state;
    private readonly string _teamId;
    private readonly string _keyId;
    private readonly string _bundleId;
    private readonly string _privateKeyPem;
    private readonly ECParameters _publicKey;

    public ApnsVendor(SandboxState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _state = state;
        _teamId = state.Setting(VendorKey, "TeamId", "HERALDTEAM");
        _keyId = state.Setting(VendorKey, "KeyId", "SANDBOXKEY");
        _bundleId = state.Setting(VendorKey, "BundleId", "com.example.herald");
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (state.Setting(VendorKey, "PrivateKey", "") is { Length: > 0 } pem)
        {
            ecdsa.ImportFromPem(pem);
        }

        _privateKeyPem = ecdsa.ExportPkcs8PrivateKeyPem();
        _publicKey = ecdsa.ExportParameters(includePrivateParameters: false);
    }

    public string Key => VendorKey;

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/3/device/{token}", SendAsync);
        app.MapGet("/_sandbox/apns/key", () => Results.Json(Credentials()));
    }

    /// <summary>What a developer gets from Apple: team id, key id, the .p8 key (PKCS#8 PEM) and the app's bundle id.</summary>
    public JsonObject Credentials() => new()
    {
        ["team_id"] = _teamId,
        ["key_id"] = _keyId,
        ["private_key"] = _privateKeyPem,
        ["bundle_id"] = _bundleId,
    };

    public IResult ErrorResult(int status, string? code, string message) => Reason(status, code ?? DefaultReason(status));

    private async Task<IResult> SendAsync(string token, HttpContext http)
    {
        var request = http.Request;
        if (!HttpProtocol.IsHttp2(request.Protocol))
        {
            return Results.Text("APNs accepts HTTP/2 requests only", statusCode: StatusCodes.Status505HttpVersionNotsupported);
        }

        var apnsId = request.Headers["apns-id"].ToString();
        http.Response.Headers["apns-id"] = Guid.TryParse(apnsId, out _) ? apnsId : Guid.NewGuid().ToString("D");
        if (await _state.Faults.BeforeAsync(this, http) is { } fault)
        {
            return fault;
        }

        if (CheckHeaders(request, token) is { } refused)
        {
            return refused;
        }

        var body = await ReadBodyAsync(request, http.RequestAborted);
        if (body.Length > MaxPayload)
        {
            return Reason(413, "PayloadTooLarge");
        }

        JsonObject? payload = null;
        try
        {
            payload = body.Length == 0 ? null : JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            // APNs documents no reason for malformed JSON; an unusable payload is answered like an empty one.
        }

        if (payload?["aps"] is not JsonObject)
        {
            return Reason(400, "PayloadEmpty");
        }

        if (token.StartsWith("dead", StringComparison.OrdinalIgnoreCase))
        {
            return Results.Json(new JsonObject { ["reason"] = "Unregistered", ["timestamp"] = _state.Time.GetUtcNow().ToUnixTimeMilliseconds() }, statusCode: 410);
        }

        var id = http.Response.Headers["apns-id"].ToString();
        _state.Messages.Add(new SandboxMessage
        {
            Id = id,
            Vendor = Key,
            Reference = payload["herald_delivery_id"] is JsonValue r && r.GetValueKind() == JsonValueKind.String ? r.GetValue<string>() : null,
            To = token,
            Fields = (JsonObject)payload.DeepClone(),
            Headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal),
            At = _state.Time.GetUtcNow(),
        });
        if (await _state.Faults.AfterAcceptAsync(Key, http))
        {
            return Results.Empty;
        }

        return Results.Ok();
    }

    /// <summary>The provider token and header checks, in APNs' reasons; null when they pass.</summary>
    private JsonHttpResult<JsonObject>? CheckHeaders(HttpRequest request, string token)
    {
        var auth = request.Headers.Authorization.ToString();
        if (!auth.StartsWith("bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Reason(403, "MissingProviderToken");
        }

        if (_state.Faults.InvalidCredentials(Key) || IssuedAt(auth[7..].Trim()) is not { } iat)
        {
            return Reason(403, "InvalidProviderToken");
        }

        if (_state.Time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(iat) > TimeSpan.FromHours(1))
        {
            return Reason(403, "ExpiredProviderToken");
        }

        var topic = request.Headers["apns-topic"].ToString();
        var priority = request.Headers["apns-priority"].ToString();
        var expiration = request.Headers["apns-expiration"].ToString();
        var apnsId = request.Headers["apns-id"].ToString();
        return true switch
        {
            _ when topic.Length == 0 => Reason(400, "MissingTopic"),
            _ when topic != _bundleId => Reason(400, "TopicDisallowed"),
            _ when !PushTypes.Contains(request.Headers["apns-push-type"].ToString()) => Reason(400, "InvalidPushType"),
            _ when priority.Length > 0 && priority is not ("1" or "5" or "10") => Reason(400, "BadPriority"),
            _ when expiration.Length > 0 && !long.TryParse(expiration, NumberStyles.None, CultureInfo.InvariantCulture, out _) => Reason(400, "BadExpirationDate"),
            _ when apnsId.Length > 0 && !Guid.TryParseExact(apnsId, "D", out _) => Reason(400, "BadMessageId"),
            _ when Encoding.UTF8.GetByteCount(request.Headers["apns-collapse-id"].ToString()) > 64 => Reason(400, "BadCollapseId"),
            _ when !DeviceToken().IsMatch(token) => Reason(400, "BadDeviceToken"),
            _ => null,
        };
    }

    /// <summary>The <c>iat</c> of a provider token whose header, issuer and ES256 signature check out; null otherwise.</summary>
    private long? IssuedAt(string jwt)
    {
        var parts = jwt.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            var header = JsonNode.Parse(Base64Url.DecodeFromChars(parts[0])) as JsonObject;
            var claims = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1])) as JsonObject;
            using var ecdsa = ECDsa.Create(_publicKey);
            var valid = header?["alg"]?.GetValue<string>() == "ES256" && header["kid"]?.GetValue<string>() == _keyId
                && claims?["iss"]?.GetValue<string>() == _teamId
                && ecdsa.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), Base64Url.DecodeFromChars(parts[2]), HashAlgorithmName.SHA256,
                    DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            return valid && claims!["iat"] is JsonValue iat && iat.TryGetValue(out long seconds) ? seconds : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException or CryptographicException)
        {
            return null;
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        // Read a little past the limit only: enough to know the payload is too large.
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while (buffer.Length <= MaxPayload && (read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static JsonHttpResult<JsonObject> Reason(int status, string reason) =>
        TypedResults.Json(new JsonObject { ["reason"] = reason }, statusCode: status);

    private static string DefaultReason(int status) => status switch
    {
        400 => "BadMessageId",
        403 => "Forbidden",
        404 => "BadPath",
        405 => "MethodNotAllowed",
        410 => "Unregistered",
        413 => "PayloadTooLarge",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        _ => "ServiceUnavailable",
    };

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex DeviceToken();
}
