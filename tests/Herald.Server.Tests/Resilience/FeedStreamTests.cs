using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Testing;
using Xunit.Abstractions;

namespace Herald.Server.Tests.Resilience;

/// <summary>The in-app feed over Server-Sent Events, as a browser's EventSource sees it, against a real server process.</summary>
[Collection(ResilienceGroup.Name)]
public sealed class FeedStreamTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string EventType = "feed.stream";
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(1.5);

    private readonly string _directory = Directory.CreateTempSubdirectory("herald-sse-").FullName;
    private readonly string _user = "sse-" + Guid.NewGuid().ToString("N")[..8];
    private HeraldProcess _server = null!;
    private ResilienceApi _api = null!;
    private int _sent;

    public async Task InitializeAsync()
    {
        _server = new HeraldProcess(Path.Combine(_directory, "herald.db"), "sse-admin-key-" + Guid.NewGuid().ToString("N"));
        await _server.StartAsync(TimeSpan.FromSeconds(30));
        _api = new ResilienceApi(_server);
        await _api.PublishTemplateAsync(EventType, ["n"], new JsonObject { ["in_app"] = new JsonObject { ["title"] = "Item {{n}}", ["body"] = "Body of item {{n}}" } });
        await _api.SendAsync(HttpMethod.Put, $"/api/v1/users/{_user}", new JsonObject { ["locale"] = "en" });
    }

    public Task DisposeAsync()
    {
        _api?.Dispose();
        _server?.Dispose();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Stream_ReconnectWithLastEventId_ReceivesExactlyTheMissedItemsInOrder()
    {
        var old = await SendAsync();
        await WaitInFeedAsync(old);

        // A fresh connection starts at "now": the old item is not replayed, the unread count is.
        string lastId;
        string first;
        await using (var live = await ConnectAsync(lastEventId: null, tokenInQuery: true))
        {
            var opening = await live.NextAsync(TimeSpan.FromSeconds(5));
            opening.ShouldNotBeNull().Type.ShouldBe("unread_count");
            UnreadCount(opening).ShouldBe(1);

            var clock = Stopwatch.StartNew();
            first = await SendAsync();
            var item = await NextNotificationAsync(live, TimeSpan.FromSeconds(1));
            var latency = clock.Elapsed;
            var figure = $"SSE: live item arrived {latency.TotalMilliseconds:0} ms after the send request started";
            output.WriteLine(figure);
            Console.WriteLine(figure);
            item.ShouldNotBeNull($"no notification event within 1 s of sending {first}");
            NotificationId(item).ShouldBe(first);
            item.Id.ShouldNotBeNull();
            lastId = live.LastEventId.ShouldNotBeNull();
            lastId.ShouldBe(item.Id);
        }

        var missed = new[] { await SendAsync(), await SendAsync() };
        foreach (var id in missed)
        {
            await WaitInFeedAsync(id);
        }

        await using (var resumed = await ConnectAsync(lastId, tokenInQuery: false))
        {
            var events = await CollectUntilQuietAsync(resumed);
            var items = events.Where(e => e.Type == "notification").ToList();
            items.Select(NotificationId).ShouldBe(missed, $"events after Last-Event-ID {lastId}: {Describe(events)}");
            items.Select(e => long.Parse(e.Id!, System.Globalization.CultureInfo.InvariantCulture)).ShouldBeInOrder(SortDirection.Ascending);
            items.ShouldAllBe(e => long.Parse(e.Id!, System.Globalization.CultureInfo.InvariantCulture) > long.Parse(lastId, System.Globalization.CultureInfo.InvariantCulture));
            var counts = events.Where(e => e.Type == "unread_count").ToList();
            counts.ShouldNotBeEmpty();
            UnreadCount(counts[^1]).ShouldBe(4);
            events.IndexOf(counts[^1]).ShouldBeGreaterThan(events.IndexOf(items[^1]), "the unread count follows the items it counts");
        }

        var feed = await _api.GetAsync<FeedDto>($"/api/v1/users/{_user}/feed");
        feed.UnreadCount.ShouldBe(4);
        feed.Notifications.Select(n => n.NotificationId).ShouldBe([missed[1], missed[0], first, old]);
    }

    [Fact]
    public async Task Stream_WithoutLastEventId_ReceivesNoOldItems()
    {
        var old = new[] { await SendAsync(), await SendAsync() };
        foreach (var id in old)
        {
            await WaitInFeedAsync(id);
        }

        await using var fresh = await ConnectAsync(lastEventId: null, tokenInQuery: false);
        var events = await CollectUntilQuietAsync(fresh);

        events.Where(e => e.Type == "notification").ShouldBeEmpty($"a fresh connection replayed old items: {Describe(events)}");
        UnreadCount(events.Single(e => e.Type == "unread_count")).ShouldBe(2);
    }

    [Fact]
    public async Task Stream_WithTokenOfAnotherUser_IsRefused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/users/{_user}/feed/stream?token={ResilienceApi.SubscriberToken("someone-else")}");
        using var anonymous = new HttpClient { BaseAddress = _server.BaseAddress };
        using var response = await anonymous.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        ((int)response.StatusCode).ShouldBe(401);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        ((string)problem["detail"]!).ShouldContain("subscriber token");
    }

    private async Task<string> SendAsync() =>
        await _api.SendNotificationAsync(EventType, _user, new JsonObject { ["n"] = Interlocked.Increment(ref _sent) }, channels: ["in_app"]);

    /// <summary>Connects as an end user would: the subscriber token, no API key.</summary>
    private async Task<SseClient> ConnectAsync(string? lastEventId, bool tokenInQuery)
    {
        var token = ResilienceApi.SubscriberToken(_user);
        var path = $"/api/v1/users/{_user}/feed/stream" + (tokenInQuery ? $"?token={token}" : "");
        return await SseClient.ConnectAsync(_server.BaseAddress, path, lastEventId, tokenInQuery ? null : token);
    }

    private async Task WaitInFeedAsync(string notificationId)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            var feed = await _api.GetAsync<FeedDto>($"/api/v1/users/{_user}/feed?limit=100");
            if (feed.Notifications.Any(n => n.NotificationId == notificationId))
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"notification {notificationId} did not reach the feed within 10 s");
    }

    private static async Task<SseEvent?> NextNotificationAsync(SseClient client, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (within - clock.Elapsed is { } left && left > TimeSpan.Zero && await client.NextAsync(left) is { } e)
        {
            if (e.Type == "notification")
            {
                return e;
            }
        }

        return null;
    }

    /// <summary>Reads until the stream has been quiet for longer than the server's one-second wake-up, so late repeats would show.</summary>
    private static async Task<List<SseEvent>> CollectUntilQuietAsync(SseClient client)
    {
        var events = new List<SseEvent>();
        while (await client.NextAsync(Quiet) is { } e)
        {
            events.Add(e);
            events.Count.ShouldBeLessThan(50, "the stream keeps sending: " + Describe(events));
        }

        return events;
    }

    private static string NotificationId(SseEvent e) => JsonDocument.Parse(e.Data).RootElement.GetProperty("notification_id").GetString()!;

    private static int UnreadCount(SseEvent e) => JsonDocument.Parse(e.Data).RootElement.GetProperty("unread_count").GetInt32();

    private static string Describe(IEnumerable<SseEvent> events) => string.Join(" | ", events.Select(e => $"{e.Type}#{e.Id}:{e.Data}"));
}
