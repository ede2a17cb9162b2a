using System.Globalization;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Fcm;
using Herald.Providers.Http;

namespace Herald.Providers.Apns;

/// <summary>
/// Apple Push Notification service over HTTP/2 with token-based authentication (<c>type: apns</c>).
/// </summary>
/// <remarks>
/// Settings under <c>Herald:Providers:&lt;name&gt;</c>:
/// <list type="bullet">
/// <item><c>TeamId</c>, <c>KeyId</c>: the Apple developer team and the signing key's id (required).</item>
/// <item><c>PrivateKey</c> (the .p8 file's PEM content) or <c>PrivateKeyFile</c> (a path to it): one is required; a P-256 key.</item>
/// <item><c>BundleId</c>: the app's bundle id, sent as apns-topic (required).</item>
/// <item><c>TokenLifetime</c>: how long one provider token is reused, between 00:20:00 and 01:00:00; default 00:50:00.</item>
/// <item><c>BaseUrl</c>: default <c>https://api.push.apple.com</c> (<c>https://api.sandbox.push.apple.com</c> for development builds).</item>
/// <item><c>Timeout</c>: per call, default 10 s.</item>
/// </list>
/// APNs cannot be asked about a past send, so <see cref="LookUpAsync"/> answers <see cref="LookUpAnswer.CannotAsk"/>.
/// </remarks>
public sealed class ApnsAdapter : IProviderAdapter
{
    private readonly ProviderContext _context;
    private readonly ApnsProviderToken _token;
    private readonly string _baseUrl;
    private readonly string _topic;

    public ApnsAdapter(ProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        var teamId = context.Required("TeamId");
        var keyId = context.Required("KeyId");
        _topic = context.Required("BundleId");
        var (pem, setting) = ReadKey(context);
        var key = ApnsProviderToken.ReadKey(pem, setting);
        _token = new ApnsProviderToken(teamId, keyId, key, Lifetime(context), context.Time);
        _baseUrl = context.BaseUrl("https://api.push.apple.com");
    }

    public string Name => _context.Name;

    public string Type => "apns";

    public Channel Channel => Channel.Push;

    public async Task<DeliveryOutcome> SendAsync(Delivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (PushContent.TryParse(delivery.Content, out var error) is not { } content)
        {
            return new DeliveryOutcome.Rejected(error);
        }

        var token = _token.Current();
        using var request = ApnsRequest.Build(_baseUrl, _topic, token, delivery, content, _context.Time.GetUtcNow());
        var call = await ProviderHttp.SendAsync(_context.Http, request, _context.Timeout, ct);
        using var response = call.Response;
        var (outcome, tokenRefused) = ApnsOutcomes.Map(call, ApnsRequest.NotificationId(delivery.Id), _context.Time);
        if (tokenRefused)
        {
            _token.Drop(token);
        }

        return outcome;
    }

    public Task<LookUpAnswer> LookUpAsync(Delivery delivery, CancellationToken ct) => Task.FromResult(LookUpAnswer.CannotAsk);

    private static (string Pem, string Setting) ReadKey(ProviderContext context)
    {
        if (context.Optional("PrivateKey") is { } pem)
        {
            return (pem, context.Setting("PrivateKey"));
        }

        if (context.Optional("PrivateKeyFile") is not { } path)
        {
            throw new ProviderConfigurationException($"{context.Setting("PrivateKey")} or {context.Setting("PrivateKeyFile")} is required for an apns provider");
        }

        try
        {
            return (File.ReadAllText(path), context.Setting("PrivateKeyFile"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ProviderConfigurationException($"{context.Setting("PrivateKeyFile")}: cannot read '{path}': {ex.Message}");
        }
    }

    private static TimeSpan Lifetime(ProviderContext context)
    {
        if (context.Optional("TokenLifetime") is not { } text)
        {
            return TimeSpan.FromMinutes(50);
        }

        if (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var lifetime) || lifetime < ApnsProviderToken.MinLifetime || lifetime > ApnsProviderToken.MaxLifetime)
        {
            // Apple throttles tokens renewed more often than every 20 minutes and refuses ones older than an hour.
            throw new ProviderConfigurationException($"{context.Setting("TokenLifetime")} must be a time span between 00:20:00 and 01:00:00, got '{text}'");
        }

        return lifetime;
    }
}
