using System.Text;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Email;
using Herald.Providers.Http;

namespace Herald.Providers.Mailgun;

/// <summary>
/// Email through Mailgun's Messages API, with delivery status from Mailgun's signed webhooks.
/// Settings (<c>Herald:Providers:&lt;name&gt;:...</c>):
/// <list type="bullet">
/// <item><c>ApiKey</c> (required): HTTP basic auth as <c>api:{ApiKey}</c>.</item>
/// <item><c>Domain</c> (required): the sending domain (<c>/v3/{Domain}/messages</c>).</item>
/// <item><c>From</c> (required, <c>Name &lt;addr&gt;</c> or <c>addr</c>), <c>ReplyTo</c> (optional).</item>
/// <item><c>WebhookSigningKey</c> (optional): the HTTP webhook signing key. Without it every status callback is refused.</item>
/// <item><c>BaseUrl</c> (default <c>https://api.mailgun.net</c>; EU accounts use <c>https://api.eu.mailgun.net</c>), <c>Timeout</c> (default 10 s).</item>
/// </list>
/// Our delivery id travels as the user variable <c>herald_delivery_id</c> (<c>v:</c> field), echoed in every webhook event.
/// </summary>
public sealed class MailgunAdapter : IProviderAdapter, IStatusCallbackReceiver
{
    private readonly ProviderContext _context;
    private readonly string _baseUrl;
    private readonly string _apiKey;
    private readonly string _domain;
    private readonly EmailComposer _composer;
    private readonly MailgunWebhook _webhook;

    public MailgunAdapter(ProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _apiKey = context.Required("ApiKey");
        _domain = context.Required("Domain");
        _composer = new EmailComposer(EmailSender.Read(context), context.Tracking);
        _baseUrl = context.BaseUrl("https://api.mailgun.net");
        _webhook = new MailgunWebhook(context.Optional("WebhookSigningKey") is { } key ? Encoding.UTF8.GetBytes(key) : null);
    }

    public string Name => _context.Name;

    public string Type => "mailgun";

    public Channel Channel => Channel.Email;

    public async Task<DeliveryOutcome> SendAsync(Delivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (!_composer.TryCompose(delivery, out var message, out var error))
        {
            return new DeliveryOutcome.Rejected(error);
        }

        using var request = MailgunMessages.Request(_baseUrl, _domain, _apiKey, message);
        var call = await ProviderHttp.SendAsync(_context.Http, request, _context.Timeout, ct);
        using (call.Response)
        {
            return MailgunMessages.Outcome(call, _context.Time);
        }
    }

    /// <summary>
    /// Always null: the Events API's documented filters (event, list, attachment, from, message-id, subject, to, size,
    /// recipient, recipients, tags, severity) cannot select by a user variable, and a message we never got an id for
    /// cannot be found by message-id. The API is also deprecated in favour of the Logs API. The priority's
    /// unknown-outcome policy decides instead.
    /// </summary>
    public Task<LookUpAnswer> LookUpAsync(Delivery delivery, CancellationToken ct) => Task.FromResult(LookUpAnswer.CannotAsk);

    public CallbackResult Parse(InboundCallback callback) => _webhook.Parse(callback);

    public bool CallbacksVerifiable => _webhook.Verifiable;
}
