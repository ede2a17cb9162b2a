using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Client.Internal;

namespace Herald.Client;

/// <summary>
/// Herald's HTTP API (<c>/api/v1</c>) as typed calls. Errors throw <see cref="HeraldApiException"/>; 503 and 429 are
/// retried as <see cref="HeraldClientOptions"/> allow. Register with <c>services.AddHeraldClient(...)</c>, or construct
/// over an <see cref="HttpClient"/> whose BaseAddress is the server.
/// </summary>
public sealed partial class HeraldClient
{
    private const string IdempotencyHeader = "Idempotency-Key";
    private readonly HttpClient _http;
    private readonly HeraldClientOptions _options;
    private readonly RetryingSender _sender;

    /// <summary>A client over <paramref name="httpClient"/> as configured (BaseAddress, credentials), with default retries.</summary>
    public HeraldClient(HttpClient httpClient)
        : this(httpClient, new HeraldClientOptions())
    {
    }

    /// <summary>A client over <paramref name="httpClient"/>; <paramref name="options"/> supply the key, retries and, where the client has none, the base address.</summary>
    public HeraldClient(HttpClient httpClient, HeraldClientOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        if (httpClient.BaseAddress is null && options.BaseAddress is not null)
        {
            httpClient.BaseAddress = options.BaseAddress;
        }

        _http = httpClient;
        _options = options;
        _sender = new RetryingSender(httpClient, options, timeProvider ?? TimeProvider.System);
    }

    /// <summary>Sends one notification (202). The idempotency key, given or generated, is the same on every retry.</summary>
    public Task<NotificationAccepted> SendNotificationAsync(SendNotificationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var keyed = request with { IdempotencyKey = request.IdempotencyKey ?? NewIdempotencyKey() };
        return CallAsync<NotificationAccepted>(HttpMethod.Post, "api/v1/notifications", keyed, keyed.IdempotencyKey, true, cancellationToken);
    }

    /// <summary>Sends one notification to many recipients (202). The idempotency key, given or generated, is the same on every retry.</summary>
    public Task<BatchAccepted> SendNotificationBatchAsync(SendBatchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var keyed = request with { IdempotencyKey = request.IdempotencyKey ?? NewIdempotencyKey() };
        return CallAsync<BatchAccepted>(HttpMethod.Post, "api/v1/notifications/batch", keyed, keyed.IdempotencyKey, true, cancellationToken);
    }

    public Task<Notification> GetNotificationAsync(string id, CancellationToken cancellationToken = default) =>
        CallAsync<Notification>(HttpMethod.Get, $"api/v1/notifications/{Escape(id)}", null, null, true, cancellationToken);

    public Task<NotificationPage> ListNotificationsAsync(NotificationQuery? query = null, CancellationToken cancellationToken = default) =>
        CallAsync<NotificationPage>(HttpMethod.Get, "api/v1/notifications" + QueryString(query), null, null, true, cancellationToken);

    /// <summary>Cancels a notification not yet delivered; a 409 (too late) throws.</summary>
    public Task<Notification> CancelNotificationAsync(string id, CancellationToken cancellationToken = default) =>
        CallAsync<Notification>(HttpMethod.Delete, $"api/v1/notifications/{Escape(id)}", null, null, true, cancellationToken);

    /// <summary>Creates or replaces a user's contact details.</summary>
    public Task<User> PutUserAsync(string userId, UserRequest user, CancellationToken cancellationToken = default) =>
        CallAsync<User>(HttpMethod.Put, $"api/v1/users/{Escape(userId)}", user, null, true, cancellationToken);

    public Task<User> GetUserAsync(string userId, CancellationToken cancellationToken = default) =>
        CallAsync<User>(HttpMethod.Get, $"api/v1/users/{Escape(userId)}", null, null, true, cancellationToken);

    /// <summary>
    /// Right to erasure (an admin key): deletes the user's profile, preferences, devices, feed and endpoints, cancels unsent
    /// work and anonymises delivery records. Always 200, also for an id Herald has never seen, so a retry is safe.
    /// </summary>
    public Task<Erasure> EraseUserAsync(string userId, CancellationToken cancellationToken = default) =>
        CallAsync<Erasure>(HttpMethod.Delete, $"api/v1/users/{Escape(userId)}", null, null, true, cancellationToken);

    public Task<Preferences> GetPreferencesAsync(string userId, CancellationToken cancellationToken = default) =>
        CallAsync<Preferences>(HttpMethod.Get, $"api/v1/users/{Escape(userId)}/preferences", null, null, true, cancellationToken);

    /// <summary>Replaces a user's preferences.</summary>
    public Task<Preferences> PutPreferencesAsync(string userId, Preferences preferences, CancellationToken cancellationToken = default) =>
        CallAsync<Preferences>(HttpMethod.Put, $"api/v1/users/{Escape(userId)}/preferences", preferences, null, true, cancellationToken);

    /// <summary>Mints a short-lived token a user's browser or app presents to the feed and preference endpoints.</summary>
    public Task<SubscriberToken> CreateSubscriberTokenAsync(string userId, SubscriberTokenRequest? request = null, CancellationToken cancellationToken = default) =>
        CallAsync<SubscriberToken>(HttpMethod.Post, $"api/v1/users/{Escape(userId)}/subscriber-token", request ?? new SubscriberTokenRequest(), null, false, cancellationToken);

    /// <summary>Creates a template's next version as a draft (201); publish it to use it.</summary>
    public Task<TemplateCreated> CreateTemplateAsync(CreateTemplateRequest request, CancellationToken cancellationToken = default) =>
        CallAsync<TemplateCreated>(HttpMethod.Post, "api/v1/templates", request, null, false, cancellationToken);

    public Task<TemplateVersion> PublishTemplateVersionAsync(string templateId, int version, CancellationToken cancellationToken = default) =>
        CallAsync<TemplateVersion>(HttpMethod.Post, $"api/v1/templates/{Escape(templateId)}/versions/{version.ToString(CultureInfo.InvariantCulture)}/publish", null, null, true, cancellationToken);

    public Task<Template> GetTemplateAsync(string templateId, CancellationToken cancellationToken = default) =>
        CallAsync<Template>(HttpMethod.Get, $"api/v1/templates/{Escape(templateId)}", null, null, true, cancellationToken);

    /// <summary>Every template's latest version, without its definition (<see cref="GetTemplateAsync"/> has it).</summary>
    public async Task<IReadOnlyList<TemplateVersion>> ListTemplatesAsync(CancellationToken cancellationToken = default) =>
        (await CallAsync<TemplateList>(HttpMethod.Get, "api/v1/templates", null, null, true, cancellationToken)).Templates;

    /// <summary>The server's liveness (<c>/healthz</c>, no key needed).</summary>
    public Task<Health> GetHealthAsync(CancellationToken cancellationToken = default) =>
        CallAsync<Health>(HttpMethod.Get, "healthz", null, null, true, cancellationToken);

    /// <summary>
    /// The server's readiness (<c>/readyz</c>, no key needed): <see cref="Health.Status"/> is "ready", "degraded" (still
    /// serving) or "not ready". Herald's 503 is returned as that answer, not thrown, and not retried; a 503 that is not
    /// Herald's document (a proxy's page) throws, with status 503.
    /// </summary>
    public async Task<Health> GetReadinessAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, "readyz", null, null, true, HttpStatusCode.ServiceUnavailable, cancellationToken);
        if (response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Content.Headers.ContentType?.MediaType != "application/json")
        {
            throw await ProblemAsync(response, cancellationToken);
        }

        return await ReadAsync<Health>(response, "readyz", cancellationToken);
    }

    private async Task<T> CallAsync<T>(HttpMethod method, string path, object? body, string? idempotencyKey, bool repeatable, CancellationToken ct)
    {
        using var response = await SendAsync(method, path, body, idempotencyKey, repeatable, null, ct);
        return await ReadAsync<T>(response, path, ct);
    }

    /// <summary>A call answered with no content (204).</summary>
    private async Task CallAsync(HttpMethod method, string path, object? body, bool repeatable, CancellationToken ct)
    {
        using var response = await SendAsync(method, path, body, null, repeatable, null, ct);
    }

    /// <summary>Sends with retries; any error status but <paramref name="answer"/> (a status that is an answer, not a failure) throws its problem.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body, string? idempotencyKey, bool repeatable, HttpStatusCode? answer,
        CancellationToken ct)
    {
        var response = await _sender.SendAsync(() => CreateRequest(method, path, body, idempotencyKey), repeatable, answer, ct);
        if (!response.IsSuccessStatusCode && response.StatusCode != answer)
        {
            using (response)
            {
                throw await ProblemAsync(response, ct);
            }
        }

        return response;
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, string path, CancellationToken ct) =>
        await response.Content.ReadFromJsonAsync<T>(HeraldJson.Options, ct)
            ?? throw new HeraldApiException($"{(int)response.StatusCode} {response.ReasonPhrase} with an empty body from {path}");

    private HttpRequestMessage CreateRequest(HttpMethod method, string path, object? body, string? idempotencyKey)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: HeraldJson.Options);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add(IdempotencyHeader, idempotencyKey);
        }

        if (!string.IsNullOrWhiteSpace(_options.ApiKey))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey.Trim());
        }

        return request;
    }

    private static async Task<HeraldApiException> ProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.Content.Headers.ContentType?.MediaType is ("application/problem+json" or "application/json"))
        {
            try
            {
                if (await response.Content.ReadFromJsonAsync<JsonNode>(ct) is JsonObject document)
                {
                    return new HeraldApiException(response.StatusCode, document.Deserialize<ProblemDocument>(HeraldJson.Options), document, response.ReasonPhrase);
                }
            }
            catch (JsonException)
            {
                // A body that is not a problem document (a proxy's error page labelled JSON): the status alone is reported.
            }
        }

        return new HeraldApiException(response.StatusCode, null, null, response.ReasonPhrase);
    }

    private static string NewIdempotencyKey() => Guid.NewGuid().ToString("N");

    private static string Escape(string segment)
    {
        ArgumentException.ThrowIfNullOrEmpty(segment);
        return Uri.EscapeDataString(segment);
    }

    private static string QueryString(NotificationQuery? query) => query is null ? "" : Query.Of(
        ("recipient_id", query.RecipientId),
        ("status", query.Status),
        ("event_type", query.EventType),
        ("from", Query.Time(query.From)),
        ("to", Query.Time(query.To)),
        ("limit", Query.Number(query.Limit)),
        ("cursor", query.Cursor));
}
