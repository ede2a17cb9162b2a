using System.Text.Json.Nodes;
using Herald.Sandbox.Core;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Providers;

public sealed class UnaskableProviderFixture : SandboxedHeraldFixture
{
    private string _serviceAccount = "";

    protected override async Task PrepareSandboxAsync(SandboxHost sandbox) =>
        _serviceAccount = await SandboxAdmin.GetStringAsync($"{sandbox.BaseUrl}/_sandbox/fcm/service-account");

    protected override Dictionary<string, string?> ProviderSettings(SandboxHost sandbox) => new()
    {
        ["Herald:Providers:push1:Type"] = "fcm",
        ["Herald:Providers:push1:BaseUrl"] = sandbox.BaseUrl,
        ["Herald:Providers:push1:ServiceAccountJson"] = _serviceAccount,
        ["Herald:Providers:push1:Timeout"] = "00:00:00.300",
        ["Herald:Channels:push:Providers"] = "push1",
        ["Herald:Pipeline:RetrySchedule"] = "100ms,100ms,100ms",
        // Push only: no fallback to other channels, so the test sees the push policy alone.
        ["Herald:Pipeline:FallbackChains:urgent"] = "push",
    };
}

/// <summary>
/// FCM cannot be asked whether it has a message. When a send times out after FCM may have accepted it, the priority's
/// policy decides after reconciliation: urgent resends (at-least-once), low does not (at-most-once, DLQ).
/// </summary>
public sealed class UnaskableProviderTests(UnaskableProviderFixture herald) : IClassFixture<UnaskableProviderFixture>
{
    [Fact]
    public async Task Unknown_outcome_at_a_provider_without_look_up_follows_the_priority_policy()
    {
        await herald.CreateTemplateAsync("alert", new JsonObject { ["push"] = new JsonObject { ["title"] = "Alert", ["body"] = "{{what}}" } }, ["what"]);
        var urgentUser = HeraldServerFixture.NewId("urgent");
        var lowUser = HeraldServerFixture.NewId("low");
        var urgentToken = "tok-urgent-" + Guid.NewGuid().ToString("N");
        var lowToken = "tok-low-" + Guid.NewGuid().ToString("N");
        foreach (var (user, token) in new[] { (urgentUser, urgentToken), (lowUser, lowToken) })
        {
            await herald.PutUserAsync(user);
            using var device = await herald.Client.PostJsonAsync($"/api/v1/users/{user}/devices", new JsonObject { ["token"] = token, ["platform"] = "android" });
            await device.ShouldHaveStatusAsync(201);
        }

        await herald.SetFaultsAsync("fcm", new { accept_then_timeout_rate = 1.0, accept_then_timeout_ms = 2_000 });
        var urgent = await Send(urgentUser, "urgent");
        var low = await Send(lowUser, "low");
        foreach (var id in new[] { urgent, low })
        {
            await herald.WaitForNotificationAsync(id, n => n["trace"]!.AsArray().Any(t => t!.Str("reason").Contains("outcome unknown", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(10));
        }

        await herald.ClearFaultsAsync();
        var u = await herald.WaitForNotificationAsync(urgent, n => n.Str("status") == "completed", TimeSpan.FromSeconds(20));
        var l = await herald.WaitForNotificationAsync(low, n => n.Str("status") == "completed", TimeSpan.FromSeconds(20));

        u["deliveries"]!.AsArray().Single()!.Str("status").ShouldBe("sent");
        u["trace"]!.AsArray().ShouldContain(t => t!.Str("stage") == "reconcile" && t!.Str("decision") == "resend-unknown");
        l["deliveries"]!.AsArray().Single()!.Str("status").ShouldBe("dead");
        l["trace"]!.AsArray().ShouldContain(t => t!.Str("stage") == "reconcile" && t!.Str("decision") == "dead-unknown");

        var messages = await herald.SandboxMessagesAsync("fcm");
        messages.Count(m => m!.Str("to") == urgentToken).ShouldBe(2, "at-least-once: the unanswered send and the resend");
        messages.Count(m => m!.Str("to") == lowToken).ShouldBe(1, "at-most-once: never resent");
    }

    private Task<string> Send(string user, string priority) => herald.SendAsync(new JsonObject
    {
        ["event_type"] = "security.alert", ["recipient_id"] = user, ["priority"] = priority, ["template_id"] = "alert", ["data"] = new JsonObject { ["what"] = priority },
    });
}
