using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Testing;

namespace Herald.Server.Tests.Resilience;

/// <summary>The few calls the resilience tests make against a running Herald, over real HTTP.</summary>
public sealed class ResilienceApi : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public ResilienceApi(HeraldProcess server)
    {
        Http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.ApiKey);
    }

    public HttpClient Http { get; }

    public static string SubscriberToken(string userId) =>
        Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(HeraldProcess.SubscriberSecret), Encoding.UTF8.GetBytes(userId))).ToLowerInvariant();

    public static StringContent Body(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    public async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : Body(body) };
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {text}");
        }

        return text.Length == 0 ? [] : JsonNode.Parse(text)!.AsObject();
    }

    public async Task<T> GetAsync<T>(string path) =>
        await Http.GetFromJsonAsync<T>(path, Json) ?? throw new InvalidOperationException($"GET {path} returned null");

    /// <summary>Creates and publishes version 1 (or the next) of a template.</summary>
    public async Task PublishTemplateAsync(string templateId, string[] variables, JsonObject channels)
    {
        var created = await SendAsync(HttpMethod.Post, "/api/v1/templates",
            new JsonObject { ["template_id"] = templateId, ["variables"] = new JsonArray([.. variables.Select(v => (JsonNode)v)]), ["channels"] = channels });
        await SendAsync(HttpMethod.Post, $"/api/v1/templates/{templateId}/versions/{(int)created["version"]!}/publish");
    }

    public async Task<string> SendNotificationAsync(string eventType, string recipientId, JsonObject data, string priority = "normal", string[]? channels = null)
    {
        var body = new JsonObject { ["event_type"] = eventType, ["recipient_id"] = recipientId, ["priority"] = priority, ["data"] = data };
        if (channels is not null)
        {
            body["channels"] = new JsonArray([.. channels.Select(c => (JsonNode)c)]);
        }

        return (string)(await SendAsync(HttpMethod.Post, "/api/v1/notifications", body))["id"]!;
    }

    /// <summary>Every page of a cursor-paged list.</summary>
    public async Task<List<TItem>> AllPagesAsync<TPage, TItem>(string path, Func<TPage, List<TItem>> items, Func<TPage, string?> next)
    {
        var all = new List<TItem>();
        string? cursor = null;
        do
        {
            var separator = path.Contains('?') ? '&' : '?';
            var page = await GetAsync<TPage>(cursor is null ? path : $"{path}{separator}cursor={Uri.EscapeDataString(cursor)}");
            all.AddRange(items(page));
            cursor = next(page);
        }
        while (cursor is not null);
        return all;
    }

    public void Dispose() => Http.Dispose();
}

public sealed record DeliveryDto(string Id, string Channel, string Status, int Attempts, string? LastError);

public sealed record TraceDto(DateTimeOffset At, string Stage, string? Channel, string Decision, string Reason);

public sealed record NotificationDto(string Id, string EventType, string RecipientId, string Priority, string Status, List<DeliveryDto>? Deliveries, List<TraceDto>? Trace);

public sealed record NotificationPageDto(List<NotificationDto> Notifications, string? NextCursor);

public sealed record FeedItemDto(long Seq, string NotificationId, string EventType, string? Title, string? Body, bool Read);

public sealed record FeedDto(List<FeedItemDto> Notifications, int UnreadCount, string? NextCursor);

public sealed record OutboxMessageDto(long Id, string DeliveryId, string Channel, string RecipientId);

public sealed record OutboxPageDto(List<OutboxMessageDto> Messages, string? NextCursor);
