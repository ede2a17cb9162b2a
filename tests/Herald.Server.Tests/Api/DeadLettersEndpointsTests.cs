using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>Runs on a server whose webhook schedule is a single 100 ms retry, so a failing delivery is dead within a second.</summary>
public sealed class DeadLettersEndpointsTests(DeadLetterServerFixture server) : IClassFixture<DeadLetterServerFixture>
{
    private HttpClient Client => server.Client;

    private async Task<(string NotificationId, string DeliveryId)> ArrangeDeadWebhookAsync(WebhookReceiver receiver)
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var recipient = HeraldServerFixture.NewId("user");
        using (var endpoint = await Client.PostJsonAsync("/api/v1/webhook-endpoints", new JsonObject { ["recipient_id"] = recipient, ["url"] = receiver.Url.ToString() }))
        {
            await endpoint.ShouldHaveStatusAsync(201);
        }

        var id = await server.SendAsync(new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = recipient, ["channels"] = new JsonArray("webhook"), ["data"] = new JsonObject { ["name"] = "dlq" },
        });
        var detail = await server.WaitForCompletedAsync(id);
        var delivery = detail["deliveries"]!.AsArray().ShouldHaveSingleItem()!;
        delivery.Str("status").ShouldBe("dead");
        return (id, delivery.Str("id"));
    }

    [Fact]
    public async Task List_DeliveryThatExhaustedRetries_ShowsItInDeadLetters()
    {
        await using var receiver = await WebhookReceiver.StartAsync(statusCode: 500);

        var (notificationId, deliveryId) = await ArrangeDeadWebhookAsync(receiver);

        var detail = await server.GetNotificationAsync(notificationId);
        var delivery = detail["deliveries"]!.AsArray().ShouldHaveSingleItem()!;
        delivery["attempts"]!.GetValue<int>().ShouldBe(2);
        delivery.Str("last_error").ShouldBe("endpoint returned 500");
        detail["trace"]!.AsArray().ShouldContain(t => t.Str("decision") == "retry");
        detail["trace"]!.AsArray().ShouldContain(t => t.Str("decision") == "dead" && t.Str("reason").Contains("dead-letter queue"));
        receiver.Received.Count.ShouldBe(2);
        receiver.Received.Select(r => r.Id).Distinct().ShouldBe([deliveryId]);

        var page = await Client.GetJsonAsync("/api/v1/dead-letters");
        var dead = page["dead_letters"]!.AsArray().Single(d => d.Str("delivery_id") == deliveryId)!;
        dead.Str("notification_id").ShouldBe(notificationId);
        dead.Str("channel").ShouldBe("webhook");
        dead.Str("priority").ShouldBe("normal");
        dead["attempts"]!.GetValue<int>().ShouldBe(2);
        dead.Str("last_error").ShouldBe("endpoint returned 500");
        dead.Str("target").ShouldBe(receiver.Url.ToString());
    }

    [Fact]
    public async Task Replay_DeadDeliveryAfterReceiverRecovers_DeliversAndAttemptsGrow()
    {
        await using var receiver = await WebhookReceiver.StartAsync(statusCode: 500);
        var (notificationId, deliveryId) = await ArrangeDeadWebhookAsync(receiver);
        receiver.StatusCode = 200;

        using var replay = await Client.PostEmptyAsync($"/api/v1/dead-letters/{deliveryId}/replay");

        var accepted = await replay.ShouldHaveStatusAsync(202);
        accepted.Str("delivery_id").ShouldBe(deliveryId);
        accepted.Str("status").ShouldBe("queued");
        replay.Headers.Location!.ToString().ShouldBe($"/api/v1/notifications/{notificationId}");
        var detail = await server.WaitForNotificationAsync(notificationId, n => n["deliveries"]![0].Str("status") == "sent");
        var delivery = detail["deliveries"]!.AsArray().ShouldHaveSingleItem()!;
        delivery["attempts"]!.GetValue<int>().ShouldBe(3);
        delivery["sent_at"].ShouldNotBeNull();
        detail["trace"]!.AsArray().ShouldContain(t => t.Str("stage") == "dlq" && t.Str("decision") == "replayed");
        receiver.Received.Last().AnsweredStatus.ShouldBe(200);
        receiver.Received.Last().Id.ShouldBe(deliveryId);
        (await Client.GetJsonAsync("/api/v1/dead-letters"))["dead_letters"]!.AsArray().ShouldNotContain(d => d.Str("delivery_id") == deliveryId);
    }

    [Fact]
    public async Task Replay_SentDelivery_Returns409ProblemAndSendsNothing()
    {
        await using var receiver = await WebhookReceiver.StartAsync(statusCode: 200);
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var recipient = HeraldServerFixture.NewId("user");
        var id = await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = recipient, ["data"] = new JsonObject { ["name"] = "ok" } });
        var deliveryId = (await server.WaitForCompletedAsync(id))["deliveries"]![0].Str("id");

        using var replay = await Client.PostEmptyAsync($"/api/v1/dead-letters/{deliveryId}/replay");

        var problem = await replay.ShouldBeProblemAsync(409, "not-dead");
        problem.Detail().ShouldContain("is sent");
        var delivery = (await server.GetNotificationAsync(id))["deliveries"]![0]!;
        delivery.Str("status").ShouldBe("sent");
        delivery["attempts"]!.GetValue<int>().ShouldBe(1);
        (await server.GetFeedAsync(recipient))["notifications"]!.AsArray().Count.ShouldBe(1);
    }

    [Fact]
    public async Task Replay_UnknownDelivery_Returns404Problem()
    {
        using var replay = await Client.PostEmptyAsync("/api/v1/dead-letters/dlv_unknown/replay");

        (await replay.ShouldBeProblemAsync(404, "not-found")).Detail().ShouldContain("dlv_unknown");
    }
}
