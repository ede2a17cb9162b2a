using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;
using Google.Apis.Http;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;

namespace Herald.Providers.Fcm;

/// <summary>
/// A Google service account key (the JSON the Firebase console downloads) and the OAuth2 access tokens it earns through
/// the JWT-bearer grant at the key's <c>token_uri</c>. Google.Apis.Auth caches each token until shortly before it expires.
/// </summary>
internal sealed class FcmCredentials
{
    public const string Scope = "https://www.googleapis.com/auth/firebase.messaging";
    private const string GoogleTokenUri = "https://oauth2.googleapis.com/token";

    private readonly ServiceAccountCredential _credential;
    private readonly TimeSpan _timeout;

    private FcmCredentials(ServiceAccountCredential credential, string projectId, string tokenUri, TimeSpan timeout)
    {
        _credential = credential;
        ProjectId = projectId;
        TokenUri = tokenUri;
        _timeout = timeout;
    }

    public string ProjectId { get; }

    public string TokenUri { get; }

    /// <summary>Reads and checks the key from <c>ServiceAccountJson</c> or <c>ServiceAccountFile</c>; throws naming the setting.</summary>
    public static FcmCredentials Load(ProviderContext context)
    {
        var (json, setting) = Read(context);
        string? Field(JsonElement root, string name) =>
            root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

        JsonElement key;
        try
        {
            using var doc = JsonDocument.Parse(json);
            key = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new ProviderConfigurationException($"{setting} is not a service account key (JSON): {ex.Message}");
        }

        if (key.ValueKind != JsonValueKind.Object || Field(key, "type") is not (null or "service_account"))
        {
            throw new ProviderConfigurationException($"{setting} must be a service account key (\"type\": \"service_account\")");
        }

        var email = Field(key, "client_email") ?? throw new ProviderConfigurationException($"{setting} has no client_email");
        var privateKey = Field(key, "private_key") ?? throw new ProviderConfigurationException($"{setting} has no private_key");
        var tokenUri = Field(key, "token_uri") ?? GoogleTokenUri;
        if (!Uri.TryCreate(tokenUri, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ProviderConfigurationException($"{setting} has a token_uri that is not an absolute http(s) URL: '{tokenUri}'");
        }

        CheckRsaKey(privateKey, setting);
        var projectId = context.Optional("ProjectId") ?? Field(key, "project_id")
            ?? throw new ProviderConfigurationException($"{context.Setting("ProjectId")} is required for an fcm provider whose key has no project_id");

        // Built from an Initializer rather than GoogleCredential.FromJson so that token_uri, the HTTP client and the
        // retry policy are ours whatever the library version does. (1.78 does post to token_uri; the assertion's aud is
        // always https://oauth2.googleapis.com/token, which Google's endpoint and the sandbox's accept.)
        var initializer = new ServiceAccountCredential.Initializer(email, tokenUri)
        {
            Scopes = [Scope],
            KeyId = Field(key, "private_key_id"),
            ProjectId = projectId,
            HttpClientFactory = new GoogleHttpBridge(context.Http),

            // Retries belong to Herald's schedule, not to a hidden back-off inside one provider call.
            DefaultExponentialBackOffPolicy = ExponentialBackOffPolicy.None,
        }.FromPrivateKey(privateKey);
        return new FcmCredentials(new ServiceAccountCredential(initializer), projectId, tokenUri, context.Timeout);
    }

    /// <summary>An access token for the Authorization header, or the outcome when none could be had.</summary>
    public async Task<(AuthenticationHeaderValue? Header, DeliveryOutcome? Failure)> AuthorizationAsync(CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_timeout);
        try
        {
            var token = await _credential.GetAccessTokenForRequestAsync(cancellationToken: cts.Token);
            return (new AuthenticationHeaderValue("Bearer", token), null);
        }
        catch (TokenResponseException ex)
        {
            var status = (int?)ex.StatusCode;
            var reason = $"OAuth2 token request to {TokenUri} refused: {status} {ex.Error?.Error} {ex.Error?.ErrorDescription}".TrimEnd();

            // 400 invalid_grant / 401 invalid_client: the key is wrong, revoked or its account deleted.
            return (null, status is 429 or >= 500 ? new DeliveryOutcome.Retry(reason) : new DeliveryOutcome.Misconfigured(reason));
        }
        catch (HttpRequestException ex)
        {
            return (null, new DeliveryOutcome.Retry($"OAuth2 token endpoint {TokenUri} unreachable: {ex.Message}"));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, new DeliveryOutcome.Retry($"OAuth2 token request to {TokenUri} timed out after {_timeout.TotalMilliseconds:0} ms"));
        }
    }

    private static (string Json, string Setting) Read(ProviderContext context)
    {
        if (context.Optional("ServiceAccountJson") is { } inline)
        {
            return (inline, context.Setting("ServiceAccountJson"));
        }

        if (context.Optional("ServiceAccountFile") is not { } path)
        {
            throw new ProviderConfigurationException(
                $"{context.Setting("ServiceAccountJson")} or {context.Setting("ServiceAccountFile")} is required for an fcm provider");
        }

        try
        {
            return (File.ReadAllText(path), context.Setting("ServiceAccountFile"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ProviderConfigurationException($"{context.Setting("ServiceAccountFile")}: cannot read '{path}': {ex.Message}");
        }
    }

    private static void CheckRsaKey(string pem, string setting)
    {
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            throw new ProviderConfigurationException($"{setting} has a private_key that is not an RSA PEM key: {ex.Message}");
        }
    }
}
