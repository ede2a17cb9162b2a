using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Sandbox.Core;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Providers;

/// <summary>
/// Twilio behind a token bucket of 2 messages a second, and a retry schedule of three quick attempts: if throttling used up
/// attempts, most of a backlog would be dead within a second.
/// </summary>
public sealed class ThrottlingFixture : SandboxedHeraldFixture
{
    protected override Dictionary<string, string?> ProviderSettings(SandboxHost sandbox) => TwilioSandbox.Settings(sandbox,
        ("Providers:sms1:Rate", "2/s"),
        // The provider's 429s are its answer to load, not a fault of the provider: they must not open the circuit here.
        ("Providers:sms1:CircuitMinimumThroughput", "100000"),
        ("Pipeline:RateLimits:sms", "100000/1s"),
        ("Pipeline:RetrySchedule", "100ms,100ms"));

    /// <summary>Sends one SMS to each of <paramref name="count"/> new users (phones +1555 and <paramref name="phoneBase"/> on); returns the notification ids.</summary>
    public async Task<IReadOnlyList<string>> SendAsync(string prefix, int phoneBase, int count)
    {
        await CreateTemplateAsync("throttle-sms", new JsonObject { ["sms"] = new JsonObject { ["body"] = "Your code is {{code}}" } }, ["code"]);
        var ids = new string[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var user = $"{prefix}-{i:D4}";
            await PutUserAsync(user, phone: "+1555" + (phoneBase + i).ToString(CultureInfo.InvariantCulture));
            ids[i] = await SendAsync(new JsonObject
            {
                ["event_type"] = "auth.code", ["recipient_id"] = user, ["template_id"] = "throttle-sms",
                ["data"] = new JsonObject { ["code"] = i.ToString("D6", CultureInfo.InvariantCulture) },
            });
        });
        return ids;
    }

    /// <summary>Every notification's single SMS delivery, once each has ended.</summary>
    public async Task<IReadOnlyList<JsonNode>> DeliveriesAsync(IReadOnlyList<string> ids)
    {
        var deliveries = new List<JsonNode>(ids.Count);
        foreach (var id in ids)
        {
            var n = await WaitForNotificationAsync(id, n => n.Str("status") is "completed" or "failed", TimeSpan.FromSeconds(30));
            deliveries.Add(n["deliveries"]!.AsArray().Single()!);
        }

        return deliveries;
    }
}

/// <summary>
/// No room at the provider (our token bucket for it, its own 429) defers a delivery to the next slot without using one of
/// its attempts: a backlog far beyond the provider's rate is delivered whole, one attempt each, at the configured rate.
/// </summary>
public sealed class ThrottlingTests(ThrottlingFixture herald) : IClassFixture<ThrottlingFixture>
{
    [Fact]
    public async Task Send_SixtySmsThroughAProviderLimitedToTwoPerSecond_AllDeliveredWithOneAttemptEachAtTheRate()
    {
        // 30 s of backlog at the provider's rate (200 until 2026-12-07: 100 s of the suite for the same property).
        const int count = 60;
        var ids = await herald.SendAsync("bucket", 3_000_000, count);

        await Polling.WaitUntilAsync(async () => (await herald.SandboxMessagesAsync("twilio")).Count(m => m!.Str("to").StartsWith("+15553", StringComparison.Ordinal)) >= count,
            TimeSpan.FromSeconds(120), "all 60 SMS reach Twilio");
        var deliveries = await herald.DeliveriesAsync(ids);

        deliveries.ShouldAllBe(d => d.Str("status") == "sent" || d.Str("status") == "delivered");
        deliveries.Select(d => d["attempts"]!.GetValue<int>()).Distinct().ShouldBe([1], "throttling never uses up an attempt");
        var at = (await herald.SandboxMessagesAsync("twilio")).Where(m => m!.Str("to").StartsWith("+15553", StringComparison.Ordinal))
            .Select(m => DateTimeOffset.Parse(m!.Str("at"), CultureInfo.InvariantCulture)).Order().ToList();
        at.Count.ShouldBe(count, "each exactly once");
        // A bucket of 2 a second holding 2 tokens: the first 2 go at once, the other 58 at least 0.5 s apart.
        (at[^1] - at[0]).ShouldBeGreaterThan(TimeSpan.FromSeconds((count - 2) / 2.0 * 0.95));
    }

    [Fact]
    public async Task Send_ProviderAnswers429MostOfTheTime_AllDeliveredWithOneAttemptEach()
    {
        await herald.SetFaultsAsync("twilio", new { rate_limit_rate = 0.6, retry_after_seconds = 1 });
        try
        {
            var ids = await herald.SendAsync("too-many", 4_000_000, 20);
            // About 50 requests for 20 messages at 2 a second: the backlog drains in about half a minute.
            await Polling.WaitUntilAsync(async () => (await herald.SandboxMessagesAsync("twilio")).Count(m => m!.Str("to").StartsWith("+15554", StringComparison.Ordinal)) >= ids.Count,
                TimeSpan.FromSeconds(120), "all 20 SMS reach Twilio");

            var deliveries = await herald.DeliveriesAsync(ids);

            deliveries.ShouldAllBe(d => d.Str("status") == "sent" || d.Str("status") == "delivered");
            deliveries.Select(d => d["attempts"]!.GetValue<int>()).Distinct().ShouldBe([1], "a 429 defers without using an attempt");
            (herald.Sandbox.State.Faults.Injected > 0).ShouldBeTrue("the sandbox answered 429s");
        }
        finally
        {
            await herald.ClearFaultsAsync();
        }
    }
}
