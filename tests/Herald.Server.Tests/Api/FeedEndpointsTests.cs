using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

public sealed class FeedEndpointsTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    private HttpClient Client => server.Client;

    /// <summary>Sends <paramref name="count"/> in_app notifications with distinct content (so content dedup keeps them all) and waits for each.</summary>
    private async Task<(string User, List<string> Ids)> ArrangeFeedAsync(int count)
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = $"item{i}" } }));
        }

        foreach (var id in ids)
        {
            await server.WaitForCompletedAsync(id);
        }

        return (user, ids);
    }

    [Fact]
    public async Task GetFeed_ThreeItems_ReturnsNewestFirstWithUnreadCount()
    {
        var (user, ids) = await ArrangeFeedAsync(3);

        var feed = await server.GetFeedAsync(user);

        feed["unread_count"]!.GetValue<int>().ShouldBe(3);
        feed["next_cursor"].ShouldBeNull();
        var items = feed["notifications"]!.AsArray();
        items.Count.ShouldBe(3);
        var seqs = items.Select(i => i!["seq"]!.GetValue<long>()).ToList();
        seqs.ShouldBe(seqs.OrderDescending().ToList());
        items.Select(i => i.Str("notification_id")).ShouldBe(ids, ignoreOrder: true);
        items.ShouldAllBe(i => !i!["read"]!.GetValue<bool>() && i["read_at"] == null);
    }

    [Fact]
    public async Task GetFeed_LimitAndCursor_PagesThroughAllItems()
    {
        var (user, ids) = await ArrangeFeedAsync(3);

        var first = await server.GetFeedAsync(user, "?limit=2");
        var cursor = first.Str("next_cursor");
        var second = await server.GetFeedAsync(user, $"?limit=2&cursor={cursor}");

        first["notifications"]!.AsArray().Count.ShouldBe(2);
        second["notifications"]!.AsArray().Count.ShouldBe(1);
        second["next_cursor"].ShouldBeNull();
        first["notifications"]!.AsArray().Concat(second["notifications"]!.AsArray()).Select(i => i.Str("notification_id")).ShouldBe(ids, ignoreOrder: true);
    }

    [Fact]
    public async Task ReadOne_UnreadItem_DropsUnreadCountAndUnreadOnlyHidesIt()
    {
        var (user, ids) = await ArrangeFeedAsync(2);

        using var read = await Client.PostEmptyAsync($"/api/v1/users/{user}/feed/{ids[0]}/read");

        (await read.ShouldHaveStatusAsync(200))["unread_count"]!.GetValue<int>().ShouldBe(1);
        var unread = await server.GetFeedAsync(user, "?unread_only=true");
        unread["unread_count"]!.GetValue<int>().ShouldBe(1);
        unread["notifications"]!.AsArray().ShouldHaveSingleItem()!.Str("notification_id").ShouldBe(ids[1]);
        var all = await server.GetFeedAsync(user);
        var readItem = all["notifications"]!.AsArray().Single(i => i.Str("notification_id") == ids[0])!;
        readItem["read"]!.GetValue<bool>().ShouldBeTrue();
        readItem.Str("read_at").ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task ReadOne_UnknownNotification_Returns404Problem()
    {
        var user = HeraldServerFixture.NewId("user");

        using var read = await Client.PostEmptyAsync($"/api/v1/users/{user}/feed/ntf_unknown/read");

        (await read.ShouldBeProblemAsync(404, "not-found")).Detail().ShouldContain("ntf_unknown");
    }

    [Fact]
    public async Task ReadAll_UnreadItems_MarksAllAndUnreadCountIsZero()
    {
        var (user, _) = await ArrangeFeedAsync(3);

        using var readAll = await Client.PostEmptyAsync($"/api/v1/users/{user}/feed/read-all");

        var body = await readAll.ShouldHaveStatusAsync(200);
        body["marked"]!.GetValue<int>().ShouldBe(3);
        body["unread_count"]!.GetValue<int>().ShouldBe(0);
        var feed = await server.GetFeedAsync(user);
        feed["unread_count"]!.GetValue<int>().ShouldBe(0);
        feed["notifications"]!.AsArray().Count.ShouldBe(3);
        (await server.GetFeedAsync(user, "?unread_only=true"))["notifications"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task GetFeed_SubscriberTokenHeader_IsAccepted()
    {
        var (user, ids) = await ArrangeFeedAsync(1);
        using var endUser = server.CreateClient();
        endUser.DefaultRequestHeaders.Add("X-Herald-Subscriber-Token", HeraldServerFixture.SubscriberToken(user));

        var feed = await endUser.GetJsonAsync($"/api/v1/users/{user}/feed");
        using var read = await endUser.PostEmptyAsync($"/api/v1/users/{user}/feed/{ids[0]}/read");

        feed["notifications"]!.AsArray().ShouldHaveSingleItem()!.Str("notification_id").ShouldBe(ids[0]);
        (await read.ShouldHaveStatusAsync(200))["unread_count"]!.GetValue<int>().ShouldBe(0);
    }

    [Fact]
    public async Task GetFeed_SubscriberTokenQuery_IsAccepted()
    {
        var (user, ids) = await ArrangeFeedAsync(1);
        using var endUser = server.CreateClient();

        var feed = await endUser.GetJsonAsync($"/api/v1/users/{user}/feed?token={HeraldServerFixture.SubscriberToken(user)}");

        feed["notifications"]!.AsArray().ShouldHaveSingleItem()!.Str("notification_id").ShouldBe(ids[0]);
    }

    [Fact]
    public async Task GetFeed_WrongSubscriberToken_Returns401Problem()
    {
        var user = HeraldServerFixture.NewId("user");
        using var endUser = server.CreateClient();
        endUser.DefaultRequestHeaders.Add("X-Herald-Subscriber-Token", new string('0', 64));

        using var response = await endUser.GetAsync($"/api/v1/users/{user}/feed");

        (await response.ShouldBeProblemAsync(401, "unauthorized")).Detail().ShouldContain("subscriber token");
    }

    [Fact]
    public async Task GetFeed_TokenOfAnotherUser_Returns401Problem()
    {
        var user = HeraldServerFixture.NewId("user");
        var other = HeraldServerFixture.NewId("user");
        using var endUser = server.CreateClient();

        using var viaHeader = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/v1/users/{user}/feed", UriKind.Relative));
        viaHeader.Headers.Add("X-Herald-Subscriber-Token", HeraldServerFixture.SubscriberToken(other));
        using var headerResponse = await endUser.SendAsync(viaHeader);
        using var queryResponse = await endUser.GetAsync($"/api/v1/users/{user}/feed?token={HeraldServerFixture.SubscriberToken(other)}");
        using var readAll = await endUser.PostEmptyAsync($"/api/v1/users/{user}/feed/read-all?token={HeraldServerFixture.SubscriberToken(other)}");

        await headerResponse.ShouldBeProblemAsync(401, "unauthorized");
        await queryResponse.ShouldBeProblemAsync(401, "unauthorized");
        await readAll.ShouldBeProblemAsync(401, "unauthorized");
    }

    [Fact]
    public async Task GetFeed_NoCredentials_Returns401Problem()
    {
        using var anonymous = server.CreateClient();

        using var response = await anonymous.GetAsync($"/api/v1/users/{HeraldServerFixture.NewId("user")}/feed");

        await response.ShouldBeProblemAsync(401, "unauthorized");
    }

    [Fact]
    public async Task Stream_NewItem_ArrivesAsEventWithSeqIdAndUnreadCount()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        using var endUser = server.CreateClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(8));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/v1/users/{user}/feed/stream?token={HeraldServerFixture.SubscriberToken(user)}", UriKind.Relative));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await endUser.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        ((int)response.StatusCode).ShouldBe(200);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        await using var stream = await response.Content.ReadAsStreamAsync(cts.Token);
        using var reader = new StreamReader(stream);
        var events = new SseReader(reader);
        (await events.NextAsync(cts.Token)).Event.ShouldBe("unread_count");

        var id = await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "live" } });
        var item = await events.NextAsync(cts.Token);
        var count = await events.NextAsync(cts.Token);

        item.Event.ShouldBe("notification");
        var data = JsonNode.Parse(item.Data)!;
        data.Str("notification_id").ShouldBe(id);
        data.Str("title").ShouldBe("Hello live");
        item.Id.ShouldBe(data["seq"]!.GetValue<long>().ToString(System.Globalization.CultureInfo.InvariantCulture));
        count.Event.ShouldBe("unread_count");
        JsonNode.Parse(count.Data)!["unread_count"]!.GetValue<int>().ShouldBe(1);
    }

    [Fact]
    public async Task Stream_LastEventId_ResumesWithExactlyTheItemsAfterIt()
    {
        var (user, ids) = await ArrangeFeedAsync(3);
        var seqs = (await server.GetFeedAsync(user))["notifications"]!.AsArray()
            .ToDictionary(i => i.Str("notification_id"), i => i!["seq"]!.GetValue<long>());
        using var endUser = server.CreateClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(8));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/v1/users/{user}/feed/stream", UriKind.Relative));
        request.Headers.Add("X-Herald-Subscriber-Token", HeraldServerFixture.SubscriberToken(user));
        request.Headers.Add("Last-Event-ID", seqs[ids[0]].ToString(System.Globalization.CultureInfo.InvariantCulture));

        using var response = await endUser.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        await using var stream = await response.Content.ReadAsStreamAsync(cts.Token);
        var events = new SseReader(new StreamReader(stream));
        var first = await events.NextAsync(cts.Token);
        var second = await events.NextAsync(cts.Token);
        var count = await events.NextAsync(cts.Token);

        ((int)response.StatusCode).ShouldBe(200);
        new[] { first, second }.ShouldAllBe(e => e.Event == "notification");
        new[] { first, second }.Select(e => JsonNode.Parse(e.Data).Str("notification_id")).ShouldBe([ids[1], ids[2]]);
        count.Event.ShouldBe("unread_count");
        JsonNode.Parse(count.Data)!["unread_count"]!.GetValue<int>().ShouldBe(3);
    }
}
