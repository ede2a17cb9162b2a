using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Workflows;

/// <summary>A server whose email rate limit is one per three seconds per recipient.</summary>
public sealed class RateLimitedServerFixture : HeraldServerFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Herald:Pipeline:RateLimits:email"] = "1/3s",
    };
}

/// <summary>Emails a rate limit defers are folded into one digest email sent when the limit allows.</summary>
public sealed class RateLimitDigestTests(RateLimitedServerFixture server) : IClassFixture<RateLimitedServerFixture>
{
    private HttpClient Client => server.Client;

    [Fact]
    public async Task RateLimitedEmails_FoldedIntoOneDigestEmail_NoneSentTwice()
    {
        var eventType = HeraldServerFixture.NewId("order.updated");
        await server.CreateTemplateAsync(eventType, new JsonObject { ["email"] = new JsonObject { ["subject"] = "Order {{n}}", ["text"] = "Order {{n}}" } }, ["n"]);
        var digestTemplate = HeraldServerFixture.NewId("order.digest");
        await server.CreateTemplateAsync(digestTemplate, new JsonObject
        {
            ["email"] = new JsonObject { ["subject"] = "{{count}} order updates", ["text"] = "{{#each items}}#{{n}};{{/each}}" },
        });
        using (var rule = await Client.PutJsonAsync($"/api/v1/digest-rules/{eventType}", new JsonObject
        {
            ["batch"] = false, ["fold_rate_limited"] = true, ["template_id"] = digestTemplate,
        }))
        {
            var saved = await rule.ShouldHaveStatusAsync(200);
            saved["batch"]!.GetValue<bool>().ShouldBeFalse();
            saved["fold_rate_limited"]!.GetValue<bool>().ShouldBeTrue();
        }

        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user, email: $"{user}@example.com");
        var ids = new List<string>();
        for (var n = 1; n <= 4; n++)
        {
            ids.Add(await server.SendAsync(new JsonObject { ["event_type"] = eventType, ["recipient_id"] = user, ["data"] = new JsonObject { ["n"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture) } }));
            await server.WaitForNotificationAsync(ids[^1], d => d["deliveries"]!.AsArray().Any(x => x!.Str("status") is "sent" or "folded"));
        }

        JsonArray emails = [];
        await Polling.WaitUntilAsync(async () => (emails = (await Client.GetJsonAsync($"/api/v1/outbox?channel=email&recipient_id={user}"))["messages"]!.AsArray()).Count >= 2,
            TimeSpan.FromSeconds(15), "the digest email was not sent");
        await Task.Delay(TimeSpan.FromSeconds(1));
        emails = (await Client.GetJsonAsync($"/api/v1/outbox?channel=email&recipient_id={user}"))["messages"]!.AsArray();

        emails.Select(e => e!["message"]!.Str("subject")).Order(StringComparer.Ordinal).ShouldBe(["3 order updates", "Order 1"]);
        emails.Single(e => e!["message"]!.Str("subject") == "3 order updates")!["message"]!.Str("text").ShouldBe("#2;#3;#4;");
        foreach (var id in ids.Skip(1))
        {
            var detail = await server.GetNotificationAsync(id);
            detail["deliveries"]![0]!.Str("status").ShouldBe("folded");
            detail["trace"]!.AsArray().ShouldContain(t => t!.Str("reason").Contains("folded into one digest email", StringComparison.Ordinal));
        }
    }
}
