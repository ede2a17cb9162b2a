using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Workflows;

/// <summary>Digests through the HTTP API: exactly one digest per (recipient, key, window) under concurrent sends; run on both modes.</summary>
public abstract class DigestTests(HeraldServerFixture server)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(45);

    private HttpClient Client => server.Client;

    /// <summary>An event template and a digest template whose in-app body lists the items' like ids; a rule for the event.</summary>
    private async Task<(string EventType, string User)> ArrangeAsync(string window, int maxItems)
    {
        var eventType = HeraldServerFixture.NewId("post.liked");
        await server.CreateTemplateAsync(eventType, new JsonObject { ["in_app"] = new JsonObject { ["title"] = "Liked", ["body"] = "{{like_id}}" } }, ["like_id"]);
        var digestTemplate = HeraldServerFixture.NewId("likes.digest");
        await server.CreateTemplateAsync(digestTemplate, new JsonObject
        {
            ["in_app"] = new JsonObject { ["title"] = "{{count}} likes on {{group_key}}", ["body"] = "{{#each items}}{{like_id}};{{/each}}" },
        });
        using (var rule = await Client.PutJsonAsync($"/api/v1/digest-rules/{eventType}", new JsonObject
        {
            ["window"] = window, ["max_items"] = maxItems, ["group_by"] = "post_id", ["template_id"] = digestTemplate,
        }))
        {
            (await rule.ShouldHaveStatusAsync(200)).Str("window").ShouldBe(window);
        }

        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user);
        return (eventType, user);
    }

    private Task<string> LikeAsync(string eventType, string user, string post, string like) =>
        server.SendAsync(new JsonObject { ["event_type"] = eventType, ["recipient_id"] = user, ["data"] = new JsonObject { ["post_id"] = post, ["like_id"] = like } });

    /// <summary>The digests in the user's feed: (title, like ids in its body).</summary>
    private async Task<List<(string Title, List<string> Likes)>> DigestsAsync(string user)
    {
        var feed = await Client.GetJsonAsync($"/api/v1/users/{user}/feed?limit=500");
        return [.. feed["notifications"]!.AsArray().Select(n => (n!.Str("title"), n.Str("body").Split(';', StringSplitOptions.RemoveEmptyEntries).ToList()))];
    }

    [Fact]
    public async Task Digest_OneKeyHammeredConcurrently_EveryEventInExactlyOneDigest()
    {
        const int events = 200;
        const int maxItems = 25;
        var (eventType, user) = await ArrangeAsync("PT1S", maxItems);
        var accepted = new ConcurrentBag<string>();

        // 16 concurrent senders over roughly two seconds, so windows and the maximum close while events keep arriving.
        await Parallel.ForEachAsync(Enumerable.Range(0, events), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            await Task.Delay(Random.Shared.Next(0, 150), ct);
            await LikeAsync(eventType, user, "post-1", $"L{i:D3}");
            accepted.Add($"L{i:D3}");
        });

        List<(string Title, List<string> Likes)> digests = [];
        await Polling.WaitUntilAsync(async () => (digests = await DigestsAsync(user)).Sum(d => d.Likes.Count) >= events, Bound, "not every event reached a digest");
        var all = digests.SelectMany(d => d.Likes).ToList();
        all.Count.ShouldBe(events, "an event was sent in two digests");
        all.Order(StringComparer.Ordinal).ShouldBe(accepted.Order(StringComparer.Ordinal));
        digests.ShouldAllBe(d => d.Likes.Count <= maxItems && d.Title == $"{d.Likes.Count} likes on post-1");
        digests.Count.ShouldBeGreaterThan(events / maxItems - 1);

        // Each original is recorded as digested and names the digest it went out in.
        var notifications = await server.ListNotificationsAsync(user);
        var originals = new List<JsonNode>();
        foreach (var n in notifications.Where(n => n!.Str("status") == "digested"))
        {
            originals.Add(await server.GetNotificationAsync(n!.Str("id")));
        }

        originals.ShouldNotBeEmpty();
        originals.ShouldAllBe(o => o["deliveries"]!.AsArray().Count == 0
            && o["trace"]!.AsArray().Count(t => t!.Str("stage") == "digest" && t!.Str("reason").StartsWith("sent in digest notification ")) == 1);
    }

    [Fact]
    public async Task Digest_MaxItemsReached_ClosesEarlyAndTheRestWaitsForItsWindow()
    {
        var (eventType, user) = await ArrangeAsync("PT1M", 3);

        for (var i = 0; i < 7; i++)
        {
            await LikeAsync(eventType, user, "post-9", $"M{i}");
        }

        List<(string Title, List<string> Likes)> digests = [];
        await Polling.WaitUntilAsync(async () => (digests = await DigestsAsync(user)).Count == 2, Bound, "two full digests were not sent");
        digests.ShouldAllBe(d => d.Likes.Count == 3);
        await Task.Delay(TimeSpan.FromSeconds(1));
        (await DigestsAsync(user)).Count.ShouldBe(2, "the seventh event waits for its window, which has a minute to run");
    }

    [Fact]
    public async Task Digest_DifferentKeysAndALateEvent_EachKeyAndWindowGetsItsOwnDigest()
    {
        var (eventType, user) = await ArrangeAsync("PT1S", 50);

        await LikeAsync(eventType, user, "post-a", "A1");
        await LikeAsync(eventType, user, "post-b", "B1");
        await LikeAsync(eventType, user, "post-a", "A2");
        List<(string Title, List<string> Likes)> digests = [];
        await Polling.WaitUntilAsync(async () => (digests = await DigestsAsync(user)).Count == 2, Bound, "the two keys' digests were not sent");
        await LikeAsync(eventType, user, "post-a", "A3");

        await Polling.WaitUntilAsync(async () => (digests = await DigestsAsync(user)).Count == 3, Bound, "the late event's digest was not sent");
        digests.Select(d => $"{d.Title}:{string.Join(",", d.Likes.Order(StringComparer.Ordinal))}").Order(StringComparer.Ordinal)
            .ShouldBe(["1 likes on post-a:A3", "1 likes on post-b:B1", "2 likes on post-a:A1,A2"]);
    }

    [Theory]
    [InlineData("{\"window\":\"soon\",\"template_id\":\"t\"}", "window")]
    [InlineData("{\"window\":\"PT1M\",\"max_items\":0,\"template_id\":\"t\"}", "max_items")]
    [InlineData("{\"window\":\"PT1M\",\"group_by\":\"a..b\",\"template_id\":\"t\"}", "group_by")]
    [InlineData("{\"window\":\"PT1M\"}", "template_id")]
    [InlineData("{\"batch\":false}", "batch")]
    public async Task DigestRule_BadInput_Returns400NamingTheField(string json, string field)
    {
        using var response = await Client.SendJsonAsync(HttpMethod.Put, "/api/v1/digest-rules/some.event", json);

        await response.ShouldBeProblemAsync(400, "validation", field);
    }

    [Fact]
    public async Task DigestRule_UnknownTemplate_Returns404AndListGetDeleteWork()
    {
        using (var unknown = await Client.PutJsonAsync("/api/v1/digest-rules/x.y", new JsonObject { ["window"] = "PT1M", ["template_id"] = HeraldServerFixture.NewId("nope") }))
        {
            await unknown.ShouldBeProblemAsync(404, "unknown-template", "template_id");
        }

        var (eventType, _) = await ArrangeAsync("PT2M", 10);
        (await Client.GetJsonAsync($"/api/v1/digest-rules/{eventType}")).Str("group_by").ShouldBe("post_id");
        (await Client.GetJsonAsync("/api/v1/digest-rules"))["rules"]!.AsArray().ShouldContain(r => r!.Str("event_type") == eventType);
        using (var deleted = await Client.DeleteAsync(new Uri($"/api/v1/digest-rules/{eventType}", UriKind.Relative)))
        {
            ((int)deleted.StatusCode).ShouldBe(204);
        }

        using var gone = await Client.GetAsync(new Uri($"/api/v1/digest-rules/{eventType}", UriKind.Relative));
        await gone.ShouldBeProblemAsync(404, "not-found");
    }
}

public sealed class DigestSqliteTests(HeraldServerFixture server) : DigestTests(server), IClassFixture<HeraldServerFixture>;

[Collection(DistributedGroup.Name)]
public sealed class DigestDistributedTests(DistributedServerFixture server) : DigestTests(server);
