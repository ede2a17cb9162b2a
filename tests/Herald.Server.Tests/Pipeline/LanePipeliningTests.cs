using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Pipeline;

/// <summary>
/// A lane claims its next batch while an earlier one is still sending (embedded), and holds back the recipients it
/// still has a send in flight for, so a slow endpoint neither stalls the lane nor lets a recipient's later message
/// overtake an earlier one.
/// </summary>
public sealed class LanePipeliningTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Webhooks_OneRecipientsSendHeld_OthersGoOnAndItsNextWaitsItsTurn()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Hold("/hooks/slow", release.Task);
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateTemplateAsync(template, new JsonObject { ["webhook"] = new JsonObject { ["payload"] = new JsonObject { ["n"] = "{{n}}" } } }, ["n"]);
        var slow = HeraldServerFixture.NewId("slow");
        var quick = HeraldServerFixture.NewId("quick");
        foreach (var (user, path) in new[] { (slow, "slow"), (quick, "quick") })
        {
            using var endpoint = await server.Client.PostJsonAsync("/api/v1/webhook-endpoints",
                new JsonObject { ["recipient_id"] = user, ["url"] = new Uri(receiver.Url, $"/hooks/{path}").ToString() });
            await endpoint.ShouldHaveStatusAsync(201);
        }

        Task<string> SendAsync(string user, int n) => server.SendAsync(new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["channels"] = new JsonArray("webhook"), ["data"] = new JsonObject { ["n"] = n },
        });

        int Count(string path) => receiver.Arrived.Count(a => a.Path == path);

        var first = await SendAsync(slow, 1);
        await Polling.WaitUntilAsync(() => Task.FromResult(Count("/hooks/slow") == 1), Bound, "the slow recipient's first webhook arrives (and is held)");
        var second = await SendAsync(slow, 2);
        for (var i = 0; i < 5; i++)
        {
            await SendAsync(quick, i);
        }

        // The lane is not stuck behind the held send: the other recipient's webhooks all arrive meanwhile.
        await Polling.WaitUntilAsync(() => Task.FromResult(Count("/hooks/quick") == 5), Bound, "the other recipient's webhooks go out while one send is held");
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Count("/hooks/slow").ShouldBe(1, "the slow recipient's second webhook waits for its first");
        (await server.GetNotificationAsync(second))["deliveries"]!.AsArray().Single()!["status"]!.GetValue<string>().ShouldBe("queued");

        release.SetResult();
        await server.WaitForNotificationAsync(second, n => n["status"]!.GetValue<string>() == "completed", Bound);
        (await server.GetNotificationAsync(first))["status"]!.GetValue<string>().ShouldBe("completed");
        var slowArrivals = receiver.Arrived.Where(a => a.Path == "/hooks/slow").Select(a => a.Body).ToList();
        slowArrivals.Select(b => Regex.Match(b, "\"n\":\\s*\"?([0-9]+)").Groups[1].Value).ShouldBe(["1", "2"], string.Join("\n", slowArrivals));
    }

    [Fact]
    public async Task Webhooks_ManyDueTogether_SendsAcrossOverlappingBatchesStayWithinTheLaneConcurrency()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Delay = TimeSpan.FromMilliseconds(100);
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateTemplateAsync(template, new JsonObject { ["webhook"] = new JsonObject { ["payload"] = new JsonObject { ["n"] = "{{n}}" } } }, ["n"]);
        var users = Enumerable.Range(0, 64).Select(_ => HeraldServerFixture.NewId("many")).ToList();
        foreach (var user in users)
        {
            using var endpoint = await server.Client.PostJsonAsync("/api/v1/webhook-endpoints", new JsonObject { ["recipient_id"] = user, ["url"] = receiver.Url.ToString() });
            await endpoint.ShouldHaveStatusAsync(201);
        }

        // Due together: the lane claims its next batch as sends of the last one finish, before that one commits.
        var due = DateTimeOffset.UtcNow.AddSeconds(2).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (user, i) in users.Select((u, i) => (u, i)))
        {
            await server.SendAsync(new JsonObject
            {
                ["event_type"] = template, ["recipient_id"] = user, ["channels"] = new JsonArray("webhook"), ["data"] = new JsonObject { ["n"] = i }, ["scheduled_at"] = due,
            });
        }

        await Polling.WaitUntilAsync(() => Task.FromResult(receiver.Received.Count >= 64), TimeSpan.FromSeconds(20), "all 64 webhooks arrive");

        receiver.MaxInFlight.ShouldBeInRange(9, 16, "the default LaneConcurrency (16) bounds the sends of all batches together");
    }
}
