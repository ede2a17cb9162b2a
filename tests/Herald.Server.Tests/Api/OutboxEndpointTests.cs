using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

public sealed class OutboxEndpointTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    private HttpClient Client => server.Client;

    private async Task<string> ArrangeCapturedAsync()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template, allChannels: true);
        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user, email: "out@example.com", phone: "+15005550006");
        using (var device = await Client.PostJsonAsync($"/api/v1/users/{user}/devices", new JsonObject { ["token"] = "push-" + Guid.NewGuid().ToString("N"), ["platform"] = "ios" }))
        {
            await device.ShouldHaveStatusAsync(201);
        }

        var id = await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "Out" } });
        await server.WaitForCompletedAsync(id);
        return user;
    }

    [Fact]
    public async Task List_RecipientFilter_ReturnsOnlyThatRecipientsMessages()
    {
        var user = await ArrangeCapturedAsync();
        var other = await ArrangeCapturedAsync();

        var page = await Client.GetJsonAsync($"/api/v1/outbox?recipient_id={user}");

        var messages = page["messages"]!.AsArray();
        messages.Select(m => m.Str("channel")).ShouldBe(["email", "sms", "push"], ignoreOrder: true);
        messages.ShouldAllBe(m => m.Str("recipient_id") == user && m.Str("provider") == "capture");
        messages.ShouldAllBe(m => m.Str("delivery_id").StartsWith("dlv_") && m.Str("created_at") != null);
        page["next_cursor"].ShouldBeNull();
        (await Client.GetJsonAsync($"/api/v1/outbox?recipient_id={other}"))["messages"]!.AsArray().Count.ShouldBe(3);
    }

    [Theory]
    [InlineData("email")]
    [InlineData("sms")]
    [InlineData("push")]
    public async Task List_ChannelFilter_ReturnsOnlyThatChannel(string channel)
    {
        var user = await ArrangeCapturedAsync();

        var messages = (await Client.GetJsonAsync($"/api/v1/outbox?channel={channel}&recipient_id={user}"))["messages"]!.AsArray();

        messages.ShouldHaveSingleItem()!.Str("channel").ShouldBe(channel);
        var all = (await Client.GetJsonAsync($"/api/v1/outbox?channel={channel}&limit=1000"))["messages"]!.AsArray();
        all.ShouldAllBe(m => m.Str("channel") == channel);
        all.ShouldContain(m => m.Str("recipient_id") == user);
    }

    [Fact]
    public async Task List_EmailMessage_IsStoredAsTheProviderWouldReceiveIt()
    {
        var user = await ArrangeCapturedAsync();

        var email = (await Client.GetJsonAsync($"/api/v1/outbox?channel=email&recipient_id={user}"))["messages"]![0]!;

        email.Str("target").ShouldBe("out@example.com");
        var message = email["message"]!;
        message.Str("to").ShouldBe("out@example.com");
        message.Str("subject").ShouldBe("Subject Out");
        message.Str("html").ShouldBe("<p>Hi Out</p>");
        message.Str("text").ShouldBe("Hi Out");
        message["headers"].Str("X-Herald-Delivery-Id").ShouldBe(email.Str("delivery_id"));
    }

    [Fact]
    public async Task List_LimitAndCursor_PagesForward()
    {
        var user = await ArrangeCapturedAsync();

        var first = await Client.GetJsonAsync($"/api/v1/outbox?recipient_id={user}&limit=2");
        var second = await Client.GetJsonAsync($"/api/v1/outbox?recipient_id={user}&limit=2&cursor={first.Str("next_cursor")}");

        first["messages"]!.AsArray().Count.ShouldBe(2);
        second["messages"]!.AsArray().Count.ShouldBe(1);
        first["messages"]!.AsArray().Concat(second["messages"]!.AsArray()).Select(m => m!["id"]!.GetValue<long>()).Distinct().Count().ShouldBe(3);
    }

    [Theory]
    [InlineData("fax")]
    [InlineData("in_app")]
    [InlineData("webhook")]
    public async Task List_ChannelWithoutOutbox_Returns400NamingChannel(string channel)
    {
        using var response = await Client.GetAsync($"/api/v1/outbox?channel={channel}");

        var problem = await response.ShouldBeProblemAsync(400, "validation", "channel");
        problem.ErrorFor("channel").ShouldContain(channel);
    }
}
