using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Workflows;

/// <summary>
/// The default per-user limits (Herald:Pipeline:RateLimits, not overridden here): a busy customer's transactional email
/// goes out at once; the limit only stops a runaway sender.
/// </summary>
public sealed class DefaultRateLimitTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task SendEmail_TwentyTransactionalToOneUserInADay_AllSentNowNoneDeferred()
    {
        var (eventType, user) = await ArrangeAsync();

        var ids = await SendReceiptsAsync(eventType, user, 20);

        var deliveries = await SettledAsync(ids);
        deliveries.Select(d => d.Str("status")).ShouldAllBe(s => s == "sent");
        foreach (var id in new[] { ids[5], ids[19] })
        {
            // The sixth (the old 5/1d default deferred it to the next day) and the twentieth: sent, nothing deferred on the way.
            var trace = (await server.GetNotificationAsync(id))["trace"]!.AsArray();
            trace.ShouldNotContain(t => t!.Str("decision") == "deferred");
        }

        (await Outbox(user)).Count.ShouldBe(20);
    }

    [Fact]
    public async Task SendEmail_FiftyFirstInADayToOneUser_DeferredByTheSafetyNet()
    {
        var (eventType, user) = await ArrangeAsync();

        var ids = await SendReceiptsAsync(eventType, user, 51);

        var deliveries = await SettledAsync(ids);
        deliveries.Count(d => d.Str("status") == "sent").ShouldBe(50);
        deliveries.Count(d => d.Str("status") == "deferred").ShouldBe(1);
        var deferred = deliveries.Single(d => d.Str("status") == "deferred");
        var trace = (await server.GetNotificationAsync(deferred.Str("notification_id")))["trace"]!.AsArray();
        trace.ShouldContain(t => t!.Str("decision") == "deferred" && t!.Str("reason").StartsWith("rate limited (50 per 1.00:00:00)", StringComparison.Ordinal));
    }

    private async Task<(string EventType, string User)> ArrangeAsync()
    {
        var eventType = HeraldServerFixture.NewId("order.receipt");
        await server.CreateTemplateAsync(eventType, new JsonObject { ["email"] = new JsonObject { ["subject"] = "Receipt {{n}}", ["text"] = "Your receipt {{n}}" } }, ["n"]);
        var user = HeraldServerFixture.NewId("shopper");
        await server.PutUserAsync(user, email: $"{user}@example.com");
        return (eventType, user);
    }

    /// <summary>Distinct receipts (identical content would be deduplicated), as a shop sends them.</summary>
    private async Task<List<string>> SendReceiptsAsync(string eventType, string user, int count)
    {
        var ids = new List<string>();
        for (var n = 1; n <= count; n++)
        {
            ids.Add(await server.SendAsync(new JsonObject
            {
                ["event_type"] = eventType, ["recipient_id"] = user, ["data"] = new JsonObject { ["n"] = n.ToString(CultureInfo.InvariantCulture) },
            }));
        }

        return ids;
    }

    /// <summary>Each notification's email delivery once the gate has decided on it (sent, or deferred to later).</summary>
    private async Task<List<JsonNode>> SettledAsync(List<string> ids)
    {
        var result = new List<JsonNode>();
        foreach (var id in ids)
        {
            var n = await server.WaitForNotificationAsync(id, x => x["deliveries"]!.AsArray() is [{ } d] && d.Str("status") is "sent" or "deferred", Wait);
            var delivery = n["deliveries"]![0]!;
            delivery["notification_id"] = id;
            result.Add(delivery.DeepClone());
        }

        return result;
    }

    private async Task<JsonArray> Outbox(string user) =>
        (await server.Client.GetJsonAsync($"/api/v1/outbox?channel=email&recipient_id={user}&limit=100"))["messages"]!.AsArray();
}
