using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Http;

namespace Herald.Providers.WebPush;

/// <summary>
/// Web Push (type <c>webpush</c>): POSTs an RFC 8291-encrypted message to the browser subscription's own push service
/// endpoint (RFC 8030) with VAPID identification (RFC 8292). The delivery target is the PushSubscription JSON.
/// Settings under <c>Herald:Providers:&lt;name&gt;</c>:
/// <list type="bullet">
/// <item><c>VapidPublicKey</c> (required): base64url 65-byte uncompressed P-256 point, as <c>web-push generate-vapid-keys</c> prints it.</item>
/// <item><c>VapidPrivateKey</c> (required): base64url 32-byte private scalar of that key.</item>
/// <item><c>Subject</c> (required): the operator's <c>mailto:</c> or <c>https:</c> contact, sent as the JWT's <c>sub</c>.</item>
/// <item><c>BaseUrl</c> (optional): when set, only endpoints under it are used (the sandbox, tests, loopback); when not
/// set, endpoints must be https. Endpoints outside are an invalid target and nothing is sent.</item>
/// <item><c>Timeout</c> (optional, default 00:00:10): per call.</item>
/// </list>
/// Headers: <c>TTL</c> from the content's <c>ttl</c>, else 86400 (3600 for urgent); <c>Urgency: high</c> for urgent, else
/// <c>normal</c>; <c>Topic</c> from <c>collapse_key</c>. Push services cannot be asked about a message, so look-ups say null.
/// </summary>
public sealed class WebPushAdapter : IProviderAdapter
{
    private readonly ProviderContext _context;
    private readonly VapidSigner _vapid;
    private readonly Uri? _baseUrl;

    public WebPushAdapter(ProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        var publicKey = context.Required("VapidPublicKey");
        var privateKey = context.Required("VapidPrivateKey");
        var subject = context.Required("Subject");
        _vapid = VapidSigner.TryCreate(publicKey, privateKey, subject, context.Time, out var error)
            ?? throw new ProviderConfigurationException(context.Setting(error)); // "Herald:Providers:<name>:VapidPublicKey must be ..."
        // Web Push has no vendor host: each subscription names its push service. BaseUrl only narrows what is allowed.
        _baseUrl = context.Optional("BaseUrl") is null ? null : new Uri(context.BaseUrl("") + "/");
    }

    public string Name => _context.Name;

    public string Type => "webpush";

    public Channel Channel => Channel.Push;

    public async Task<DeliveryOutcome> SendAsync(Delivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (delivery.Platform is { } platform && !string.Equals(platform, "web", StringComparison.OrdinalIgnoreCase))
        {
            // Not the device's fault: a routing mistake must not get an iOS or Android device removed.
            return new DeliveryOutcome.Rejected($"webpush sends to web devices only, not {platform}");
        }

        if (WebPushSubscription.TryParse(delivery.Target, out var error) is not { } subscription)
        {
            return new DeliveryOutcome.InvalidTarget(error);
        }

        if (Refusal(subscription.Endpoint) is { } refusal)
        {
            return new DeliveryOutcome.InvalidTarget(refusal);
        }

        if (WebPushMessage.TryCreate(delivery, out error) is not { } message)
        {
            return new DeliveryOutcome.Rejected(error);
        }

        byte[] body;
        try
        {
            body = WebPushEncryption.Encrypt(message.Payload, subscription.P256dh, subscription.Auth);
        }
        catch (CryptographicException)
        {
            return new DeliveryOutcome.InvalidTarget("keys.p256dh is not a point on P-256");
        }

        using var request = Request(subscription.Endpoint, message, body);
        var call = await ProviderHttp.SendAsync(_context.Http, request, _context.Timeout, ct);
        using var response = call.Response;
        return call.Answered ? WebPushOutcomes.Map(call, delivery, _context.Time) : ProviderHttp.Unanswered(call);
    }

    /// <summary>Push services keep no queryable record of messages by our reference.</summary>
    public Task<LookUpAnswer> LookUpAsync(Delivery delivery, CancellationToken ct) => Task.FromResult(LookUpAnswer.CannotAsk);

    private HttpRequestMessage Request(Uri endpoint, WebPushMessage message, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.ContentEncoding.Add("aes128gcm");
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = content };
        request.Headers.TryAddWithoutValidation("Authorization", _vapid.AuthorizationHeader(endpoint));
        request.Headers.Add("TTL", message.Ttl.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("Urgency", message.Urgency);
        if (message.Topic is { } topic)
        {
            request.Headers.Add("Topic", topic);
        }

        return request;
    }

    private string? Refusal(Uri endpoint)
    {
        if (_baseUrl is null)
        {
            return endpoint.Scheme == Uri.UriSchemeHttps ? null : $"push endpoint must be https, got {endpoint.Scheme}";
        }

        var inside = endpoint.Scheme == _baseUrl.Scheme
            && string.Equals(endpoint.Authority, _baseUrl.Authority, StringComparison.OrdinalIgnoreCase)
            && endpoint.AbsolutePath.StartsWith(_baseUrl.AbsolutePath, StringComparison.Ordinal);
        return inside ? null : $"push endpoint {VapidSigner.Audience(endpoint)} is outside {_context.Setting("BaseUrl")}";
    }
}
