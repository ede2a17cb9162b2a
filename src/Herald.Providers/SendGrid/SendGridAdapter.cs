using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Email;
using Herald.Providers.Http;

namespace Herald.Providers.SendGrid;

/// <summary>
/// Email through Twilio SendGrid's v3 Mail Send API, with delivery status from the Signed Event Webhook.
/// Settings (<c>Herald:Providers:&lt;name&gt;:...</c>):
/// <list type="bullet">
/// <item><c>ApiKey</c> (required): sent as a Bearer token.</item>
/// <item><c>From</c> (required, <c>Name &lt;addr&gt;</c> or <c>addr</c>, a verified sender), <c>ReplyTo</c> (optional).</item>
/// <item><c>WebhookPublicKey</c> (optional): the Signed Event Webhook's verification key as SendGrid shows it (base64
/// SubjectPublicKeyInfo of a P-256 key). Without it every status callback is refused.</item>
/// <item><c>BaseUrl</c> (default <c>https://api.sendgrid.com</c>), <c>Timeout</c> (default 10 s).</item>
/// </list>
/// Our delivery id travels as the custom argument <c>herald_delivery_id</c>, which SendGrid echoes in every event.
/// </summary>
public sealed class SendGridAdapter : IProviderAdapter, IStatusCallbackReceiver
{
    private readonly ProviderContext _context;
    private readonly string _baseUrl;
    private readonly string _apiKey;
    private readonly EmailComposer _composer;
    private readonly SendGridEventWebhook _webhook;

    public SendGridAdapter(ProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _apiKey = context.Required("ApiKey");
        _composer = new EmailComposer(EmailSender.Read(context), context.Tracking);
        _baseUrl = context.BaseUrl("https://api.sendgrid.com");
        byte[]? key = null;
        if (context.Optional("WebhookPublicKey") is { } text && (key = SendGridEventWebhook.DecodeKey(text)) is null)
        {
            throw new ProviderConfigurationException($"{context.Setting("WebhookPublicKey")} must be the base64 P-256 public key SendGrid shows for the Signed Event Webhook");
        }

        _webhook = new SendGridEventWebhook(key);
    }

    public string Name => _context.Name;

    public string Type => "sendgrid";

    public Channel Channel => Channel.Email;

    public async Task<DeliveryOutcome> SendAsync(Delivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (!_composer.TryCompose(delivery, out var message, out var error))
        {
            return new DeliveryOutcome.Rejected(error);
        }

        using var request = SendGridMailSend.Request(_baseUrl, _apiKey, message);
        var call = await ProviderHttp.SendAsync(_context.Http, request, _context.Timeout, ct);
        using (call.Response)
        {
            return SendGridMailSend.Outcome(call, _context.Time);
        }
    }

    /// <summary>
    /// Always null: finding a message by our custom argument needs the Email Activity (messages) API, a paid add-on that
    /// most accounts lack, so the priority's unknown-outcome policy decides instead.
    /// </summary>
    public Task<LookUpAnswer> LookUpAsync(Delivery delivery, CancellationToken ct) => Task.FromResult(LookUpAnswer.CannotAsk);

    public CallbackResult Parse(InboundCallback callback) => _webhook.Parse(callback);

    public bool CallbacksVerifiable => _webhook.Verifiable;
}
