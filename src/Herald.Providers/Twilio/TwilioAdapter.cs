using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Http;

namespace Herald.Providers.Twilio;

/// <summary>
/// SMS through Twilio Programmable Messaging (<c>POST /2010-04-01/Accounts/{AccountSid}/Messages.json</c>, form-encoded,
/// HTTP basic auth), with status callbacks and inbound STOP/START handling on <c>/api/v1/webhooks/{name}</c>.
/// Settings under <c>Herald:Providers:&lt;name&gt;</c>:
/// <list type="bullet">
/// <item><c>AccountSid</c> (required, <c>AC</c> + 32 hex).</item>
/// <item><c>AuthToken</c> (required): basic-auth password unless an API key is set, and always the key Twilio signs
/// webhooks with.</item>
/// <item><c>ApiKeySid</c> + <c>ApiKeySecret</c> (optional, both or neither): basic auth with an API key instead.</item>
/// <item><c>From</c> (a Twilio number, short code or sender id) or <c>MessagingServiceSid</c> (<c>MG</c> + 32 hex): one is required.</item>
/// <item><c>BaseUrl</c> (default <c>https://api.twilio.com</c>), <c>Timeout</c> (default 10 s).</item>
/// <item><c>ConfirmWithin</c> (default 10 min): a message sent without a final status callback after this long is looked
/// up by its SID (<see cref="FetchStatusAsync"/>); <c>ConfirmLookUps</c> (default 3, 0 turns look-ups off): how many
/// times, <c>ConfirmWithin</c> apart, before it is left sent.</item>
/// </list>
/// </summary>
public sealed partial class TwilioAdapter : IProviderAdapter, IStatusCallbackReceiver
{
    private readonly ProviderContext _context;
    private readonly string _authToken;
    private readonly string _authorization;
    private readonly string? _from;
    private readonly string? _messagingServiceSid;
    private readonly TwilioMessageSearch _search;
    private readonly TwilioMessageStatus _status;
    private readonly string _messagesUrl;

    public TwilioAdapter(ProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        var accountSid = Matching(context, "AccountSid", AccountSidPattern());
        _authToken = context.Required("AuthToken");
        var (keySid, keySecret) = (context.Optional("ApiKeySid"), context.Optional("ApiKeySecret"));
        if ((keySid is null) != (keySecret is null))
        {
            throw new ProviderConfigurationException($"{context.Setting("ApiKeySid")} and {context.Setting("ApiKeySecret")} go together");
        }

        _authorization = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{keySid ?? accountSid}:{keySecret ?? _authToken}"));
        _from = context.Optional("From");
        _messagingServiceSid = context.Optional("MessagingServiceSid") is null ? null : Matching(context, "MessagingServiceSid", MessagingServiceSidPattern());
        if (_from is null && _messagingServiceSid is null)
        {
            throw new ProviderConfigurationException($"{context.Setting("From")} or {context.Setting("MessagingServiceSid")} is required for a twilio provider");
        }

        var baseUrl = context.BaseUrl("https://api.twilio.com");
        _messagesUrl = $"{baseUrl}/2010-04-01/Accounts/{accountSid}/Messages.json";
        _search = new TwilioMessageSearch(context, baseUrl, accountSid, Authorize);
        _status = new TwilioMessageStatus(context, baseUrl, accountSid, Authorize);
        Confirm = ConfirmSettings(context);
    }

    public string Name => _context.Name;

    public string Type => "twilio";

    public Channel Channel => Channel.Sms;

    public async Task<DeliveryOutcome> SendAsync(Delivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (TwilioMessageSearch.Body(delivery) is not { } body)
        {
            return new DeliveryOutcome.Rejected("rendered SMS content has no 'body'");
        }

        var form = new List<KeyValuePair<string, string>>
        {
            new("To", delivery.Target),
            new("Body", body),
            new("StatusCallback", $"{_context.StatusCallbackUrl}?{TwilioCallbacks.DeliveryIdParameter}={Uri.EscapeDataString(delivery.Id)}"),
        };
        if (_from is not null)
        {
            form.Add(new("From", _from));
        }

        if (_messagingServiceSid is not null)
        {
            form.Add(new("MessagingServiceSid", _messagingServiceSid));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, _messagesUrl) { Content = new FormUrlEncodedContent(form) };
        Authorize(request);
        var call = await ProviderHttp.SendAsync(_context.Http, request, _context.Timeout, ct);
        using (call.Response)
        {
            return TwilioOutcomes.Map(call, _context.Time);
        }
    }

    /// <inheritdoc cref="TwilioMessageSearch.ContainsAsync"/>
    public Task<LookUpAnswer> LookUpAsync(Delivery delivery, CancellationToken ct) => _search.ContainsAsync(delivery, ct);

    /// <summary>
    /// Twilio posts a final status callback within seconds of delivery; ten minutes leaves room for carrier delays and
    /// queued long-code traffic (1/s) before a missing callback is taken as lost.
    /// </summary>
    public ConfirmPolicy? Confirm { get; }

    /// <inheritdoc cref="TwilioMessageStatus.FetchAsync"/>
    public Task<ProviderStatusAnswer> FetchStatusAsync(Delivery delivery, CancellationToken ct) => _status.FetchAsync(delivery, ct);

    public CallbackResult Parse(InboundCallback callback) => TwilioCallbacks.Parse(callback, _authToken);

    /// <summary>Twilio signs with the account's auth token, which sending needs anyway.</summary>
    public bool CallbacksVerifiable => true;

    private void Authorize(HttpRequestMessage request) => request.Headers.Authorization = new AuthenticationHeaderValue("Basic", _authorization);

    private static ConfirmPolicy? ConfirmSettings(ProviderContext context)
    {
        var within = context.Optional("ConfirmWithin") is { } w
            ? TimeSpan.TryParse(w, CultureInfo.InvariantCulture, out var x) && x > TimeSpan.Zero ? x
                : throw new ProviderConfigurationException($"{context.Setting("ConfirmWithin")} must be a positive time span (00:10:00), got '{w}'")
            : TimeSpan.FromMinutes(10);
        var lookUps = context.Optional("ConfirmLookUps") is { } n
            ? int.TryParse(n, CultureInfo.InvariantCulture, out var y) && y >= 0 ? y
                : throw new ProviderConfigurationException($"{context.Setting("ConfirmLookUps")} must be a whole number from 0 (off), got '{n}'")
            : 3;
        return lookUps == 0 ? null : new ConfirmPolicy(context.Name, within, lookUps);
    }

    private static string Matching(ProviderContext context, string key, Regex pattern) =>
        context.Required(key) is var value && pattern.IsMatch(value)
            ? value
            : throw new ProviderConfigurationException($"{context.Setting(key)} must match {pattern}");

    [GeneratedRegex("^AC[0-9a-fA-F]{32}$")]
    private static partial Regex AccountSidPattern();

    [GeneratedRegex("^MG[0-9a-fA-F]{32}$")]
    private static partial Regex MessagingServiceSidPattern();
}
