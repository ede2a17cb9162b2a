using System.Text;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Http;

namespace Herald.Providers.Fcm;

/// <summary>
/// Firebase Cloud Messaging over the HTTP v1 API (<c>type: fcm</c>): one <c>messages:send</c> call per device token,
/// authorised with an OAuth2 access token earned from a service account key.
/// </summary>
/// <remarks>
/// Settings under <c>Herald:Providers:&lt;name&gt;</c>:
/// <list type="bullet">
/// <item><c>ServiceAccountJson</c> (the key's JSON inline) or <c>ServiceAccountFile</c> (a path to it): one is required.
/// Its <c>token_uri</c> is where access tokens come from (Google's, or the sandbox's).</item>
/// <item><c>ProjectId</c>: the Firebase project; default the key's <c>project_id</c>.</item>
/// <item><c>BaseUrl</c>: default <c>https://fcm.googleapis.com</c>.</item>
/// <item><c>Timeout</c>: per call (token request and send), default 10 s.</item>
/// </list>
/// FCM cannot be asked about a past send, so <see cref="LookUpAsync"/> answers <see cref="LookUpAnswer.CannotAsk"/>.
/// </remarks>
public sealed class FcmAdapter : IProviderAdapter
{
    private readonly ProviderContext _context;
    private readonly FcmCredentials _credentials;
    private readonly string _sendUrl;

    public FcmAdapter(ProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _credentials = FcmCredentials.Load(context);
        _sendUrl = $"{context.BaseUrl("https://fcm.googleapis.com")}/v1/projects/{Uri.EscapeDataString(_credentials.ProjectId)}/messages:send";
    }

    public string Name => _context.Name;

    public string Type => "fcm";

    public Channel Channel => Channel.Push;

    public async Task<DeliveryOutcome> SendAsync(Delivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (PushContent.TryParse(delivery.Content, out var error) is not { } content)
        {
            return new DeliveryOutcome.Rejected(error);
        }

        var (authorization, failure) = await _credentials.AuthorizationAsync(ct);
        if (failure is not null)
        {
            return failure;
        }

        var body = FcmMessage.Build(delivery, content, _context.Time.GetUtcNow()).ToJsonString();
        using var request = new HttpRequestMessage(HttpMethod.Post, _sendUrl) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = authorization;
        var call = await ProviderHttp.SendAsync(_context.Http, request, _context.Timeout, ct);
        using var response = call.Response;
        return FcmOutcomes.Map(call, _context.Time);
    }

    public Task<LookUpAnswer> LookUpAsync(Delivery delivery, CancellationToken ct) => Task.FromResult(LookUpAnswer.CannotAsk);
}
