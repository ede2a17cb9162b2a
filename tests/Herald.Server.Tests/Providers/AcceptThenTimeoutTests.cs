using System.Text.Json.Nodes;
using Herald.Sandbox.Core;
using Herald.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Herald.Server.Tests.Providers;

public sealed class AcceptThenTimeoutFixture : SandboxedHeraldFixture
{
    protected override Dictionary<string, string?> ProviderSettings(SandboxHost sandbox) => TwilioSandbox.Settings(sandbox,
        ("Providers:sms1:Timeout", "00:00:00.500"),
        ("Pipeline:RateLimits:sms", "100000/1s"),
        ("Pipeline:LaneConcurrency", "32"));
}

/// <summary>
/// 2,000 SMS while the provider accepts 5 % of them and then never answers: the reconciler asks Twilio (messages listed by To,
/// newest first) before anything is resent, so every recipient gets exactly one message and none is lost.
/// </summary>
// 2,000 SMS keep both cores busy: run alone, after the parallel classes, so timing-sensitive tests are not starved.
[Collection("Cluster")]
public sealed class AcceptThenTimeoutTests(AcceptThenTimeoutFixture herald, ITestOutputHelper output) : IClassFixture<AcceptThenTimeoutFixture>
{
    private const int Count = 2000;

    [Fact]
    public async Task Two_thousand_sms_with_five_percent_accept_then_timeout_arrive_exactly_once()
    {
        await herald.CreateTemplateAsync("att-sms", new JsonObject { ["sms"] = new JsonObject { ["body"] = "Order {{order}} shipped" } }, ["order"]);
        var users = new List<string>(Count);
        var phoneOf = new Dictionary<string, string>();
        for (var i = 0; i < Count; i++)
        {
            var user = $"att-{i:D5}";
            // Ending in 1: never one of the sandbox's magic endings (0666 undelivered, 0667/0668 lost callbacks), whose
            // late failure is resent by design (one such number made this test see a "duplicate").
            var phone = $"+1555{8000001 + (i * 10)}";
            users.Add(user);
            phoneOf[user] = phone;
            await herald.PutUserAsync(user, phone: phone);
        }

        await herald.SetFaultsAsync("twilio", new { accept_then_timeout_rate = 0.05, accept_then_timeout_ms = 2_000 });
        using var batch = await herald.Client.PostJsonAsync("/api/v1/notifications/batch", new JsonObject
        {
            ["event_type"] = "order.shipped",
            ["recipient_ids"] = new JsonArray([.. users.Select(u => (JsonNode)u)]),
            ["template_id"] = "att-sms",
            ["data"] = new JsonObject { ["order"] = "A-1" },
        });
        await batch.ShouldHaveStatusAsync(202);

        await herald.WaitForIdleAsync(TimeSpan.FromMinutes(4));
        var injected = herald.Sandbox.State.Faults.Injected;
        await herald.ClearFaultsAsync();

        var messages = await herald.SandboxMessagesAsync("twilio");
        var perPhone = messages.GroupBy(m => m!.Str("to")).ToDictionary(g => g.Key, g => g.Count());
        foreach (var (phone, c) in perPhone.Where(p => p.Value > 1))
        {
            var user = phoneOf.First(p => p.Value == phone).Key;
            var list = await herald.ListNotificationsAsync(user);
            var n = await herald.GetNotificationAsync(list.Single()!.Str("id"));
            output.WriteLine($"twice to {phone}: {n.ToJsonString()}"); // the trace says how, when this fails
        }

        perPhone.Values.Where(c => c > 1).ShouldBeEmpty("no recipient got a message twice");
        phoneOf.Values.Where(p => !perPhone.ContainsKey(p)).ShouldBeEmpty("no recipient was left without the message");
        messages.Count.ShouldBe(Count);
        injected.ShouldBeGreaterThan(40, "about 5 % of 2,000 sends were accepted and then left unanswered");

        // Every unanswered send was reconciled, and the trace says how.
        var dead = await herald.Client.GetJsonAsync("/api/v1/dead-letters?limit=10");
        dead["dead_letters"]!.AsArray().ShouldBeEmpty();
        var reconciled = 0;
        foreach (var user in users.Take(400))
        {
            var list = await herald.ListNotificationsAsync(user);
            var n = await herald.GetNotificationAsync(list.Single()!.Str("id"));
            if (n["trace"]!.AsArray().Any(t => t!.Str("stage") == "reconcile"))
            {
                reconciled++;
                n["trace"]!.AsArray().ShouldContain(t => t!.Str("decision") == "reconciled" && t!.Str("reason").Contains("not resent", StringComparison.Ordinal));
            }
        }

        reconciled.ShouldBeGreaterThan(0);
        var line = $"accept-then-timeout: {Count} SMS, {injected} unanswered sends, {messages.Count} messages at the provider, " +
            $"{perPhone.Values.Count(c => c > 1)} duplicates, {Count - perPhone.Count} lost; {reconciled} of the first 400 reconciled";
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("HERALD_TEST_REPORTS") is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
            File.AppendAllText(Path.Combine(dir, "accept-then-timeout.txt"), line + Environment.NewLine);
        }
    }
}
