using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Http;

namespace Herald.Providers.Vonage;

/// <summary>
/// SMS through Vonage's SMS API (<c>POST /sms/json</c>, form-encoded, key and secret in the body) with delivery receipts
/// on <c>/api/v1/webhooks/{name}</c>; our delivery id travels as <c>client-ref</c> and comes back in the receipt.
/// Settings under <c>Herald:Providers:&lt;name&gt;</c>:
/// <list type="bullet">
/// <item><c>ApiKey</c>, <c>ApiSecret</c>, <c>From</c> (a Vonage number or sender id): required.</item>
/// <item><c>SignatureSecret</c> (optional): every receipt must carry a valid <c>sig</c>; without it delivery receipts are off
/// (refused with 401, and <c>callbacks</c> is <c>off</c> in <c>/api/v1/providers</c>).</item>
/// <item><c>SignatureMethod</c> (optional, <c>sha256</c> (default) or <c>sha512</c>): the account's signing method.</item>
/// <item><c>BaseUrl</c> (default <c>https://rest.nexmo.com</c>), <c>Timeout</c> (default 10 s).</item>
/// </list>
/// </summary>
public sealed class VonageAdapter : IProviderAdapter, IStatusCallbackReceiver
{
    private readonly ProviderContext _context;
    private readonly string _apiKey;
    private readonly string _apiSecret;
    private readonly string _from;
    private readonly string? _signatureSecret;
    private readonly string _signatureMethod;
    private readonly string _sendUrl;

    public VonageAdapter(ProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _apiKey = context.Required("ApiKey");
        _apiSecret = context.Required("ApiSecret");
        _from = context.Required("From");
        _signatureSecret = context.Optional("SignatureSecret");
        _signatureMethod = context.Optional("SignatureMethod")?.ToLowerInvariant() ?? "sha256";
        if (!VonageSignature.Methods.Contains(_signatureMethod))
        {
            throw new ProviderConfigurationException($"{context.Setting("SignatureMethod")} must be one of {string.Join(", ", VonageSignature.Methods)}");
        }

        _sendUrl = $"{context.BaseUrl("https://rest.nexmo.com")}/sms/json";
    }

    public string Name => _context.Name;

    public string Type => "vonage";

    public Channel Channel => Channel.Sms;

    public async Task<DeliveryOutcome> SendAsync(Delivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (Body(delivery) is not { } text)
        {
            return new DeliveryOutcome.Rejected("rendered SMS content has no 'body'");
        }

        var form = new List<KeyValuePair<string, string>>
        {
            new("api_key", _apiKey),
            new("api_secret", _apiSecret),
            new("from", _from),
            new("to", delivery.Target.TrimStart('+')),
            new("text", text),
            new("client-ref", delivery.Id),
            new("callback", _context.StatusCallbackUrl),
        };
        if (!Gsm7.Covers(text))
        {
            form.Add(new("type", "unicode"));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, _sendUrl) { Content = new FormUrlEncodedContent(form) };
        var call = await ProviderHttp.SendAsync(_context.Http, request, _context.Timeout, ct);
        using (call.Response)
        {
            return VonageOutcomes.Map(call, _context.Time);
        }
    }

    /// <summary>
    /// Always null: the SMS API has no look-up of a message by <c>client-ref</c> (its search finds messages by Vonage's
    /// own message id only, which an unanswered send never gave us), so the priority's unknown-outcome policy decides.
    /// </summary>
    public Task<LookUpAnswer> LookUpAsync(Delivery delivery, CancellationToken ct) => Task.FromResult(LookUpAnswer.CannotAsk);

    public CallbackResult Parse(InboundCallback callback) => VonageReceipts.Parse(callback, _signatureSecret, _signatureMethod);

    public bool CallbacksVerifiable => _signatureSecret is not null;

    private static string? Body(Delivery delivery)
    {
        try
        {
            return JsonNode.Parse(delivery.Content)?["body"] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
