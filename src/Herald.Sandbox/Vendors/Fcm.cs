using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Sandbox.Core;

namespace Herald.Sandbox.Vendors;

/// <summary>
/// Firebase Cloud Messaging's HTTP v1 API and the Google OAuth2 token endpoint it needs, answering errors as a
/// google.rpc.Status with an FcmError detail (<c>{"error":{"code","message","status","details":[...]}}</c>).
/// <para>Credentials: a service account key. <c>Sandbox:fcm:ServiceAccountJson</c> supplies one; by default the sandbox
/// makes an RSA key at start for project <c>Sandbox:fcm:ProjectId</c> (default <c>herald-sandbox</c>) and client
/// <c>herald-sender@{project}.iam.gserviceaccount.com</c>. <c>GET /_sandbox/fcm/service-account</c> serves the key JSON with
/// <c>token_uri</c> = this sandbox's <c>/token</c>; <c>GET /_sandbox/fcm/stats</c> counts token grants and refusals.</para>
/// <para><c>POST /token</c>: the JWT-bearer grant (RFC 7523). The RS256 assertion must verify with the key, name the
/// client as <c>iss</c>, Google's token URL or this one as <c>aud</c>, the firebase.messaging scope and a lifetime of at most an hour
/// (else 400 invalid_grant / invalid_scope); it answers an access token valid for an hour. Faults do not apply here.</para>
/// <para><c>POST /v1/projects/{project}/messages:send</c> checks the bearer token (missing, unknown or expired 401
/// UNAUTHENTICATED, as does fault <c>invalid_credentials</c>), the project (403 PERMISSION_DENIED), message.token, string
/// data values, android priority and ttl (400 INVALID_ARGUMENT) and the payload size (notification and data over 4096
/// bytes: 400 INVALID_ARGUMENT). Magic tokens by prefix: <c>unregistered</c> 404 UNREGISTERED, <c>invalid</c> 400
/// INVALID_ARGUMENT (not a valid registration token), <c>mismatch</c> 403 SENDER_ID_MISMATCH, <c>toolarge</c> 400
/// INVALID_ARGUMENT (message too big). Accepted messages are recorded with Reference = data.herald_delivery_id.</para>
/// </summary>
public sealed class FcmVendor : ISandboxVendor
{
    private const string VendorKey = "fcm";
    private const string JwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    private const string Scope = "https://www.googleapis.com/auth/firebase.messaging";
    private const string FcmErrorType = "type.googleapis.com/google.firebase.fcm.v1.FcmError";
    private const int MaxPayload = 4096;
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(1);

    // Google's token endpoints, which Google accepts as the audience whatever URL the assertion is posted to
    // (Google.Apis.Auth always names the first).
    private static readonly string[] GoogleAudiences =
        ["https://oauth2.googleapis.com/token", "https://www.googleapis.com/oauth2/v4/token", "https://accounts.google.com/o/oauth2/token"];

    private readonly SandboxState _state;
    private readonly RSAParameters _publicKey;
    private readonly string _privateKeyPem;
    private readonly string _keyId;
    private readonly string _clientEmail;
    private readonly string _projectId;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);
    private long _grants;
    private long _refusals;

    public FcmVendor(SandboxState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _state = state;
        using var rsa = RSA.Create(2048);
        if (state.Setting(VendorKey, "ServiceAccountJson", "") is { Length: > 0 } json)
        {
            var key = JsonNode.Parse(json) as JsonObject ?? throw new InvalidOperationException("Sandbox:fcm:ServiceAccountJson is not a JSON object");
            string Field(string name) => key[name]?.GetValue<string>() ?? throw new InvalidOperationException($"Sandbox:fcm:ServiceAccountJson has no {name}");
            _projectId = Field("project_id");
            _clientEmail = Field("client_email");
            _keyId = key["private_key_id"]?.GetValue<string>() ?? "";
            _privateKeyPem = Field("private_key");
            rsa.ImportFromPem(_privateKeyPem);
        }
        else
        {
            _projectId = state.Setting(VendorKey, "ProjectId", "herald-sandbox");
            _clientEmail = $"herald-sender@{_projectId}.iam.gserviceaccount.com";
            _keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
            _privateKeyPem = rsa.ExportPkcs8PrivateKeyPem();
        }

        _publicKey = rsa.ExportParameters(includePrivateParameters: false);
    }

    public string Key => VendorKey;

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/token", TokenAsync);
        app.MapPost("/v1/projects/{project}/messages:send", SendAsync);
        app.MapGet("/_sandbox/fcm/service-account", (HttpRequest request) => Results.Json(ServiceAccount(TokenUri(request))));
        app.MapGet("/_sandbox/fcm/stats", () => Results.Json(new JsonObject
        {
            ["token_grants"] = Interlocked.Read(ref _grants),
            ["token_refusals"] = Interlocked.Read(ref _refusals),
        }));
    }

    /// <summary>The service account key JSON, as the Firebase console downloads it, with the given token endpoint.</summary>
    public JsonObject ServiceAccount(string tokenUri) => new()
    {
        ["type"] = "service_account",
        ["project_id"] = _projectId,
        ["private_key_id"] = _keyId,
        ["private_key"] = _privateKeyPem,
        ["client_email"] = _clientEmail,
        ["client_id"] = "100000000000000000001",
        ["auth_uri"] = "https://accounts.google.com/o/oauth2/auth",
        ["token_uri"] = tokenUri,
        ["universe_domain"] = "googleapis.com",
    };

    public IResult ErrorResult(int status, string? code, string message) => Error(status, code ?? DefaultErrorCode(status), message);

    private static string TokenUri(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}/token";

    private async Task<IResult> TokenAsync(HttpRequest request)
    {
        (string Error, string Description)? refusal = ("invalid_request", "Content-Type must be application/x-www-form-urlencoded");
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
            refusal = form["grant_type"] != JwtBearer
                ? ("unsupported_grant_type", $"Invalid grant_type: {form["grant_type"]}")
                : CheckAssertion(form["assertion"].ToString(), TokenUri(request));
        }

        if (refusal is { } r)
        {
            Interlocked.Increment(ref _refusals);
            return Results.Json(new JsonObject { ["error"] = r.Error, ["error_description"] = r.Description }, statusCode: 400);
        }

        var token = "ya29.sandbox-" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));
        _tokens[token] = _state.Time.GetUtcNow() + TokenLifetime;
        Interlocked.Increment(ref _grants);
        return Results.Json(new JsonObject { ["access_token"] = token, ["expires_in"] = (int)TokenLifetime.TotalSeconds, ["token_type"] = "Bearer" });
    }

    /// <summary>Checks a JWT-bearer assertion as Google does; null when good, else the OAuth2 error and its description.</summary>
    private (string, string)? CheckAssertion(string assertion, string tokenUri)
    {
        const string BadSignature = "Invalid JWT Signature.";
        var parts = assertion.Split('.');
        JsonObject? header, claims;
        byte[] signature;
        try
        {
            header = parts.Length == 3 ? JsonNode.Parse(Base64Url.DecodeFromChars(parts[0])) as JsonObject : null;
            claims = parts.Length == 3 ? JsonNode.Parse(Base64Url.DecodeFromChars(parts[1])) as JsonObject : null;
            signature = parts.Length == 3 ? Base64Url.DecodeFromChars(parts[2]) : [];
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return ("invalid_grant", "Invalid JWT: malformed assertion");
        }

        if (header is null || claims is null)
        {
            return ("invalid_grant", "Invalid JWT: malformed assertion");
        }

        using var rsa = RSA.Create(_publicKey);
        if (Text(header["alg"]) != "RS256" || Text(header["kid"]) is { } kid && kid != _keyId
            || !rsa.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return ("invalid_grant", BadSignature);
        }

        if (Text(claims["iss"]) != _clientEmail)
        {
            return ("invalid_grant", "Invalid grant: account not found");
        }

        if (Text(claims["aud"]) is not { } aud || (aud != tokenUri && !GoogleAudiences.Contains(aud)))
        {
            return ("invalid_grant", $"Invalid JWT: Failed audience check. The right audience is {tokenUri}");
        }

        var now = _state.Time.GetUtcNow().ToUnixTimeSeconds();
        if (Number(claims["iat"]) is not { } iat || Number(claims["exp"]) is not { } exp || exp <= now || exp < iat || exp - iat > 3600 || iat > now + 300)
        {
            return ("invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.");
        }

        return Text(claims["scope"])?.Split(' ').Contains(Scope) == true ? null : ("invalid_scope", "Invalid OAuth scope or ID token audience provided.");
    }

    private async Task<IResult> SendAsync(string project, HttpContext http)
    {
        if (await _state.Faults.BeforeAsync(this, http) is { } fault)
        {
            return fault;
        }

        var request = http.Request;
        var auth = request.Headers.Authorization.ToString();
        if (!auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Error(401, null, "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.");
        }

        if (_state.Faults.InvalidCredentials(Key) || !_tokens.TryGetValue(auth[7..].Trim(), out var expires) || expires <= _state.Time.GetUtcNow())
        {
            return Error(401, null, "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.");
        }

        if (project != _projectId)
        {
            return Error(403, null, $"Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/{project}' (or it may not exist).");
        }

        JsonObject? message;
        try
        {
            message = (await JsonNode.ParseAsync(request.Body, cancellationToken: http.RequestAborted))?["message"] as JsonObject;
        }
        catch (JsonException ex)
        {
            return Error(400, "INVALID_ARGUMENT", $"Invalid JSON payload received. {ex.Message}");
        }

        if (Validate(message) is { } invalid)
        {
            return invalid;
        }

        var token = Text(message!["token"])!;
        var data = message["data"] as JsonObject;
        var name = $"projects/{project}/messages/0:{_state.Time.GetUtcNow().ToUnixTimeMilliseconds()}%{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        _state.Messages.Add(new SandboxMessage
        {
            Id = name,
            Vendor = Key,
            Reference = Text(data?["herald_delivery_id"]),
            To = token,
            Fields = (JsonObject)message.DeepClone(),
            Headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal),
            At = _state.Time.GetUtcNow(),
        });
        if (await _state.Faults.AfterAcceptAsync(Key, http))
        {
            return Results.Empty;
        }

        return Results.Json(new JsonObject { ["name"] = name });
    }

    /// <summary>The checks FCM makes on a message to one token, in its words; null when it would be sent.</summary>
    private static IResult? Validate(JsonObject? message)
    {
        if (message is null)
        {
            return Error(400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unknown name \"\": Root element must be a message.");
        }

        if (Text(message["token"]) is not { Length: > 0 } token)
        {
            return Error(400, "INVALID_ARGUMENT", "Recipient of the message is not set.");
        }

        if (message["data"] is not (null or JsonObject))
        {
            return Error(400, "INVALID_ARGUMENT", "Invalid value at 'message.data' (type.googleapis.com/google.protobuf.Map), must be an object");
        }

        var index = 0;
        foreach (var (_, value) in message["data"] as JsonObject ?? [])
        {
            if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
            {
                return Error(400, "INVALID_ARGUMENT", $"Invalid value at 'message.data[{index}].value' (TYPE_STRING), {value?.ToJsonString() ?? "null"}");
            }

            index++;
        }

        var android = message["android"] as JsonObject;
        if (Text(android?["priority"]) is { } priority && priority is not ("HIGH" or "NORMAL"))
        {
            return Error(400, "INVALID_ARGUMENT", $"Invalid value at 'message.android.priority' (type.googleapis.com/google.firebase.fcm.v1.AndroidMessagePriority), \"{priority}\"");
        }

        if (Text(android?["ttl"]) is { } ttl && (!ttl.EndsWith('s') || !decimal.TryParse(ttl[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _)))
        {
            return Error(400, "INVALID_ARGUMENT", $"Invalid value at 'message.android.ttl' (type.googleapis.com/google.protobuf.Duration), Field 'ttl', Illegal duration format; duration must end with 's'");
        }

        var size = Encoding.UTF8.GetByteCount((message["notification"]?.ToJsonString() ?? "") + (message["data"]?.ToJsonString() ?? ""));
        if (size > MaxPayload || token.StartsWith("toolarge", StringComparison.Ordinal))
        {
            return Error(400, "INVALID_ARGUMENT", $"Message is too big: the payload may be at most {MaxPayload} bytes");
        }

        return token switch
        {
            _ when token.StartsWith("unregistered", StringComparison.Ordinal) => Error(404, "UNREGISTERED", "Requested entity was not found."),
            _ when token.StartsWith("invalid", StringComparison.Ordinal) => Error(400, "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token"),
            _ when token.StartsWith("mismatch", StringComparison.Ordinal) => Error(403, "SENDER_ID_MISMATCH", "SenderId mismatch"),
            _ => null,
        };
    }

    private static IResult Error(int status, string? errorCode, string message)
    {
        var error = new JsonObject { ["code"] = status, ["message"] = message, ["status"] = RpcStatus(status) };
        if (errorCode is not null)
        {
            error["details"] = new JsonArray(new JsonObject { ["@type"] = FcmErrorType, ["errorCode"] = errorCode });
        }

        return Results.Json(new JsonObject { ["error"] = error }, statusCode: status);
    }

    private static string RpcStatus(int status) => status switch
    {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        429 => "RESOURCE_EXHAUSTED",
        500 => "INTERNAL",
        503 => "UNAVAILABLE",
        _ => "UNKNOWN",
    };

    private static string? DefaultErrorCode(int status) => status switch
    {
        400 => "INVALID_ARGUMENT",
        404 => "UNREGISTERED",
        429 => "QUOTA_EXCEEDED",
        500 => "INTERNAL",
        503 => "UNAVAILABLE",
        _ => null,
    };

    private static string? Text(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static long? Number(JsonNode? node) => node is JsonValue v && v.TryGetValue(out long n) ? n : null;
}
