using System.Text.Json.Nodes;
using Herald.Sandbox.Core;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Providers;

/// <summary>Twilio on the sandbox, a short provider timeout and a fast reconciler.</summary>
public abstract class TwilioReconcileFixture : SandboxedHeraldFixture
{
    protected abstract int MaxLookUps { get; }

    protected override Dictionary<string, string?> ProviderSettings(SandboxHost sandbox) => TwilioSandbox.Settings(sandbox,
        ("Providers:sms1:Timeout", "00:00:00.300"),
        ("Pipeline:RateLimits:sms", "1000/1s"),
        ("Pipeline:RetrySchedule", "100ms,100ms,100ms"),
        ("Pipeline:LookUpRetryDelay", "00:00:00.300"),
        ("Pipeline:MaxLookUps", MaxLookUps.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Sends one SMS whose request Twilio accepts but never answers, and waits until its outcome is unknown.</summary>
    public async Task<(string Notification, string Phone)> SendUnansweredAsync(string priority)
    {
        await CreateTemplateAsync("lookup-sms", new JsonObject { ["sms"] = new JsonObject { ["body"] = "Code {{code}}" } }, ["code"]);
        var user = NewId("lookup");
        var phone = "+1555" + ((Random.Shared.Next(200_000, 999_999) * 10) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture); // never a magic ending (0666…)
        await PutUserAsync(user, phone: phone);
        await SetFaultsAsync("twilio", new { accept_then_timeout_rate = 1.0, accept_then_timeout_ms = 2_000 });
        var id = await SendAsync(new JsonObject
        {
            ["event_type"] = "auth.code", ["recipient_id"] = user, ["priority"] = priority, ["template_id"] = "lookup-sms",
            ["data"] = new JsonObject { ["code"] = Guid.NewGuid().ToString("N")[..8] },
        });
        await WaitForNotificationAsync(id, n => Trace(n).Any(t => t.Str("reason").Contains("outcome unknown", StringComparison.Ordinal)), TimeSpan.FromSeconds(10));
        return (id, phone);
    }

    public static IEnumerable<JsonNode> Trace(JsonNode notification) => notification["trace"]!.AsArray().Select(t => t!);
}

/// <summary>Status callbacks go nowhere, so only a look-up can tell whether Twilio has the message.</summary>
public sealed class UnansweredLookUpFixture : TwilioReconcileFixture
{
    protected override int MaxLookUps => 3;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(base.ExtraSettings)
    {
        // The discard port: Twilio's status callbacks are refused, as if they were lost on the way.
        ["Herald:PublicBaseUrl"] = "http://127.0.0.1:9",
    };
}

/// <summary>
/// A provider that can be asked but fails the look-up (Twilio's message listing answering 503) is asked again later: the
/// delivery is neither resent (a duplicate when Twilio has it) nor dead-lettered (a loss when it does not), until the
/// bounded number of look-ups is used up.
/// </summary>
public sealed class UnansweredLookUpTests(UnansweredLookUpFixture herald) : IClassFixture<UnansweredLookUpFixture>
{
    [Theory]
    [InlineData("normal")]
    [InlineData("low")]
    public async Task Reconcile_LookUpFailsThenAnswers_CountsAsSentWithoutResending(string priority)
    {
        var (id, phone) = await herald.SendUnansweredAsync(priority);
        await herald.SetFaultsAsync("twilio", new { error_rate = 1.0 });
        await herald.WaitForNotificationAsync(id, n => TwilioReconcileFixture.Trace(n).Any(t => t.Str("decision") == "lookup-unanswered"), TimeSpan.FromSeconds(10));
        await herald.ClearFaultsAsync();

        var done = await herald.WaitForNotificationAsync(id, n => n.Str("status") == "completed", TimeSpan.FromSeconds(15));

        done["deliveries"]!.AsArray().Single()!.Str("status").ShouldBe("sent");
        var trace = TwilioReconcileFixture.Trace(done).Where(t => t.Str("stage") == "reconcile").Select(t => t.Str("decision")).ToList();
        trace.ShouldContain("lookup-unanswered");
        trace.Last().ShouldBe("reconciled");
        trace.ShouldNotContain("resend-unknown");
        trace.ShouldNotContain("dead-unknown");
        (await herald.SandboxMessagesAsync("twilio", phone)).Count.ShouldBe(1, "Twilio had it all along: not resent");
    }

    [Theory]
    [InlineData("normal", "resend-unknown")]
    [InlineData("low", "dead-unknown")]
    public async Task Reconcile_LookUpNeverAnswers_GivesUpAfterMaxLookUpsToThePriorityPolicy(string priority, string decision)
    {
        var (id, _) = await herald.SendUnansweredAsync(priority);
        await herald.SetFaultsAsync("twilio", new { error_rate = 1.0 });
        try
        {
            var n = await herald.WaitForNotificationAsync(id, n => TwilioReconcileFixture.Trace(n).Any(t => t.Str("decision") == decision), TimeSpan.FromSeconds(20));

            var reconcile = TwilioReconcileFixture.Trace(n).Where(t => t.Str("stage") == "reconcile").ToList();
            reconcile.Count(t => t.Str("decision") == "lookup-unanswered").ShouldBe(2, "look-ups 1 and 2 of 3 are given back; the third decides");
            reconcile.Single(t => t.Str("decision") == decision).Str("reason").ShouldContain("left 3 look-ups unanswered");
        }
        finally
        {
            await herald.ClearFaultsAsync();
        }
    }
}

/// <summary>Status callbacks reach Herald; a single unanswered look-up would already end in the unknown-outcome policy.</summary>
public sealed class ReportedWhileSendingFixture : TwilioReconcileFixture
{
    protected override int MaxLookUps => 1;
}

/// <summary>
/// Twilio reported the message delivered while its send was still unsettled (the request timed out after Twilio accepted it):
/// the report proves Twilio has it, so the reconciler settles it without asking, even when the look-up would fail.
/// </summary>
public sealed class ReportedWhileSendingTests(ReportedWhileSendingFixture herald) : IClassFixture<ReportedWhileSendingFixture>
{
    [Fact]
    public async Task Reconcile_DeliveredReportArrivedWhileSending_SettlesWithoutLookUpOrResend()
    {
        var (id, phone) = await herald.SendUnansweredAsync("normal");
        await herald.SetFaultsAsync("twilio", new { error_rate = 1.0 });
        try
        {
            var done = await herald.WaitForNotificationAsync(id, n => n.Str("status") == "completed", TimeSpan.FromSeconds(15));

            done["deliveries"]!.AsArray().Single()!.Str("status").ShouldBe("delivered");
            var reconcile = TwilioReconcileFixture.Trace(done).Where(t => t.Str("stage") == "reconcile").ToList();
            reconcile.ShouldHaveSingleItem().Str("decision").ShouldBe("reconciled");
            reconcile[0].Str("reason").ShouldContain("already reported the message delivered");
            (await herald.SandboxMessagesAsync("twilio", phone)).Count.ShouldBe(1);
        }
        finally
        {
            await herald.ClearFaultsAsync();
        }
    }
}
