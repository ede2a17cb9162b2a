using Herald.Core.Channels;
using Herald.Core.Domain;
using Herald.Core.Pipeline;
using Herald.Core.Settlement;
using Herald.Core.Webhooks;
using Microsoft.Extensions.Options;

namespace Herald.Core.Tests.Settlement;

public class SettlementTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Started = Now.AddSeconds(-2);

    private static Settler Settlement(string retrySchedule = "10s,20s,40s", string webhookSchedule = "7s,70s") =>
        new(Options.Create(new PipelineOptions { RetrySchedule = retrySchedule }),
            Options.Create(new WebhookOptions { RetrySchedule = webhookSchedule }),
            new FakeTimeProvider(Now));

    private static Delivery Delivery(Channel channel = Channel.Sms, Priority priority = Priority.Normal, int attempts = 1, string? targetRef = null) =>
        new("dlv_1", "ntf_1", "u1", "order.shipped", channel, priority, "target", targetRef, null, DeliveryStatus.Sending, attempts, null, "{}", "hash",
            Now, null, null, Now, Now);

    private static SendResult Result(DeliveryOutcome outcome) => new(outcome, "capture");

    [Fact]
    public void Settle_Throttled_DeferredToTheSlotAndTheAttemptGivenBack()
    {
        var c = Settlement("10s").Settle(Delivery(attempts: 1), "lane-a",
            Result(new DeliveryOutcome.Retry("no sms provider has room now", TimeSpan.FromSeconds(2), Throttled: true)), Started);

        c.Status.ShouldBe(DeliveryStatus.Deferred, "a one-attempt schedule would have made a plain retry dead");
        c.DueAt.ShouldBe(Now.AddSeconds(2));
        c.Outcome.ShouldBe(Herald.Core.Storage.DeliveryCompletion.ThrottledOutcome);
        c.Trace.Single().Decision.ShouldBe("throttled");
        c.Trace.Single().Reason.ShouldContain("without using an attempt");
    }

    [Fact]
    public void Settle_ThrottledPastExpiry_Expired()
    {
        var d = Delivery() with { ExpiresAt = Now.AddSeconds(1) };

        var c = Settlement().Settle(d, "lane-a", Result(new DeliveryOutcome.Retry("429", TimeSpan.FromSeconds(5), Throttled: true)), Started);

        c.Status.ShouldBe(DeliveryStatus.Expired);
    }

    [Fact]
    public void Settle_Sent_StatusSentWithProviderId()
    {
        var c = Settlement().Settle(Delivery(), "lane-a", Result(new DeliveryOutcome.Sent("pm-42")), Started);

        c.Status.ShouldBe(DeliveryStatus.Sent);
        c.DueAt.ShouldBeNull();
        c.ProviderMessageId.ShouldBe("pm-42");
        c.LeaseOwner.ShouldBe("lane-a");
        c.StartedAt.ShouldBe(Started);
        c.FinishedAt.ShouldBe(Now);
        c.Outcome.ShouldBe("sent");
        c.Trace.Single().Decision.ShouldBe("sent");
        c.Trace.Single().Reason.ShouldBe("sent via capture (attempt 1)");
    }

    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 20)]
    [InlineData(3, 40)]
    public void Settle_Retry_RetryingWithDueWithinScheduleBound(int attempts, int boundSeconds)
    {
        var c = Settlement().Settle(Delivery(attempts: attempts), "lane-a", Result(new DeliveryOutcome.Retry("503 from provider")), Started);

        c.Status.ShouldBe(DeliveryStatus.Retrying);
        c.DueAt.ShouldNotBeNull();
        c.DueAt.Value.ShouldBeInRange(Now, Now.AddSeconds(boundSeconds));
        c.LastError.ShouldBe("503 from provider");
        c.Trace.Single().Decision.ShouldBe("retry");
    }

    [Fact]
    public void Settle_RetryAfterLargerThanDelay_RetryAfterWins()
    {
        var c = Settlement().Settle(Delivery(), "lane-a", Result(new DeliveryOutcome.Retry("429", TimeSpan.FromMinutes(3))), Started);

        c.Status.ShouldBe(DeliveryStatus.Retrying);
        c.DueAt.ShouldBe(Now.AddMinutes(3));
    }

    [Fact]
    public void Settle_RetryAfterSmallerThanDelay_StaysWithinSchedule()
    {
        // The webhook schedule has small jitter only (0.9–1.1), so a 1 s hint is always below the 7 s delay.
        var c = Settlement().Settle(Delivery(Channel.Webhook), "lane-a", Result(new DeliveryOutcome.Retry("429", TimeSpan.FromSeconds(1))), Started);

        c.DueAt.ShouldNotBeNull();
        c.DueAt.Value.ShouldBeInRange(Now.AddSeconds(6.3), Now.AddSeconds(7.7));
    }

    [Fact]
    public void Settle_RetryWithAttemptsExhausted_Dead()
    {
        var c = Settlement().Settle(Delivery(attempts: 4), "lane-a", Result(new DeliveryOutcome.Retry("503")), Started);

        c.Status.ShouldBe(DeliveryStatus.Dead);
        c.DueAt.ShouldBeNull();
        c.Trace.Single().Reason.ShouldBe("503; retries exhausted after 4 attempts; in the dead-letter queue");
    }

    [Fact]
    public void Settle_Rejected_Dead()
    {
        var c = Settlement().Settle(Delivery(), "lane-a", Result(new DeliveryOutcome.Rejected("content policy")), Started);

        c.Status.ShouldBe(DeliveryStatus.Dead);
        c.LastError.ShouldBe("content policy");
        c.Trace.Single().Reason.ShouldBe("rejected by capture: content policy; in the dead-letter queue");
    }

    [Fact]
    public void Settle_InvalidTargetOnPush_FailedAndRemovesDevice()
    {
        var c = Settlement().Settle(Delivery(Channel.Push, targetRef: "dev_7"), "lane-a", Result(new DeliveryOutcome.InvalidTarget("unregistered")), Started);

        c.Status.ShouldBe(DeliveryStatus.Failed);
        c.RemoveDeviceId.ShouldBe("dev_7");
        c.Trace.Single().Reason.ShouldBe("invalid target: unregistered; device removed");
    }

    [Fact]
    public void Settle_InvalidTargetOnEmail_FailedWithoutDeviceRemoval()
    {
        var c = Settlement().Settle(Delivery(Channel.Email, targetRef: "x"), "lane-a", Result(new DeliveryOutcome.InvalidTarget("no mailbox")), Started);

        c.Status.ShouldBe(DeliveryStatus.Failed);
        c.RemoveDeviceId.ShouldBeNull();
    }

    [Fact]
    public void Settle_Unknown_WaitsForReconciliationInsteadOfResending()
    {
        var c = Settlement().Settle(Delivery(priority: Priority.Normal), "lane-a", Result(new DeliveryOutcome.Unknown("timeout after send")), Started);

        c.Status.ShouldBe(DeliveryStatus.Unknown);
        c.DueAt.ShouldBe(Now + new PipelineOptions().ReconcileAfter);
        c.LastError.ShouldBe("timeout after send");
        c.Trace.Single().Reason.ShouldContain("reconciling");
    }

    [Fact]
    public void Settle_Unknown_SameForEveryPriority_ThePolicyAppliesOnlyWhenTheProviderCannotAnswer()
    {
        var c = Settlement().Settle(Delivery(priority: Priority.Low), "lane-a", Result(new DeliveryOutcome.Unknown("timeout after send")), Started);

        c.Status.ShouldBe(DeliveryStatus.Unknown);
        c.DueAt.ShouldNotBeNull();
    }

    [Fact]
    public void Settle_InvalidEmailOrSmsTarget_SuppressesTheAddress()
    {
        var c = Settlement().Settle(Delivery(Channel.Sms), "lane-a", Result(new DeliveryOutcome.InvalidTarget("21610 opted out")), Started);

        c.Status.ShouldBe(DeliveryStatus.Failed);
        c.Suppress.ShouldNotBeNull().Channel.ShouldBe(Channel.Sms);
        c.RemoveDeviceId.ShouldBeNull();
    }

    [Fact]
    public void Settle_RouteNotes_LandInTheTraceBeforeTheOutcome()
    {
        var result = Result(new DeliveryOutcome.Sent("m1")) with { Notes = [new("failover", "sms1: 503; trying sms2")] };
        var c = Settlement().Settle(Delivery(Channel.Sms), "lane-a", result, Started);

        c.Trace.Select(t => t.Decision).ShouldBe(["failover", "sent"]);
    }

    [Fact]
    public void Settle_Misconfigured_IsRetried()
    {
        var c = Settlement().Settle(Delivery(Channel.Sms), "lane-a", Result(new DeliveryOutcome.Misconfigured("401")), Started);

        c.Status.ShouldBe(DeliveryStatus.Retrying);
        c.Trace.Single().Reason.ShouldContain("configuration error");
    }

    [Fact]
    public void Settle_WebhookRetry_UsesWebhookSchedule()
    {
        var settlement = Settlement(retrySchedule: "1s", webhookSchedule: "7s,70s");

        var second = settlement.Settle(Delivery(Channel.Webhook, attempts: 2), "lane-a", Result(new DeliveryOutcome.Retry("502")), Started);
        var third = settlement.Settle(Delivery(Channel.Webhook, attempts: 3), "lane-a", Result(new DeliveryOutcome.Retry("502")), Started);

        second.Status.ShouldBe(DeliveryStatus.Retrying);
        second.DueAt.ShouldNotBeNull();
        second.DueAt.Value.ShouldBeInRange(Now.AddSeconds(63), Now.AddSeconds(77));
        third.Status.ShouldBe(DeliveryStatus.Dead);
    }
}
