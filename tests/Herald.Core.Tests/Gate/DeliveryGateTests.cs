using Herald.Core.Domain;
using Herald.Core.Gate;
using Herald.Core.Pipeline;
using Herald.Core.Preferences;
using Herald.Core.Storage;
using Microsoft.Extensions.Options;

namespace Herald.Core.Tests.Gate;

public class DeliveryGateTests
{
    // 22:30 in London (BST, UTC+1) on 1 May 2026.
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 21, 30, 0, TimeSpan.Zero);

    private static DeliveryGate Gate(PipelineOptions? options = null) => new(Options.Create(options ?? new PipelineOptions()));

    /// <summary>An explicit SMS limit, so the rate-limit tests do not move with the defaults.</summary>
    private static PipelineOptions ThreeSmsPerHour() => new() { RateLimits = new(StringComparer.Ordinal) { ["sms"] = "3/1h" } };

    private static Delivery Delivery(Channel channel = Channel.Sms, Priority priority = Priority.Normal, string eventType = "order.shipped") =>
        new("dlv_1", "ntf_1", "u1", eventType, channel, priority, "+15550001", null, null, DeliveryStatus.Queued, 0, null, "{}", "hash-1",
            Now, null, null, Now, Now);

    [Fact]
    public void Decide_PastExpiry_ExpiresEvenUrgent()
    {
        var decision = Gate().Decide(Delivery(priority: Priority.Urgent) with { ExpiresAt = Now.AddSeconds(-1) }, new FakeGateContext(), Now);

        var expired = decision.ShouldBeOfType<GateDecision.Suppress>();
        expired.Status.ShouldBe(DeliveryStatus.Expired);
        expired.Reason.ShouldBe("expired at 2026-05-01 21:29:59Z before it could be sent");
    }

    [Fact]
    public void Decide_QuietHoursEndingAfterExpiry_ExpiresInsteadOfDeferring()
    {
        var quiet = new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 0), "Europe/London");
        var context = new FakeGateContext { RulesByUser = { ["u1"] = [new PreferenceRule("*", "*", true, quiet)] } };

        var decision = Gate().Decide(Delivery() with { ExpiresAt = Now.AddHours(1) }, context, Now);

        var expired = decision.ShouldBeOfType<GateDecision.Suppress>();
        expired.Status.ShouldBe(DeliveryStatus.Expired);
        expired.Reason.ShouldContain("quiet hours until 07:00 Europe/London");
    }

    [Fact]
    public void Decide_ThrottledEarlierDeliveryAhead_DefersPastItsSlotNamingIt()
    {
        var context = new FakeGateContext { Ahead = new ThrottledAhead("dlv_0", Now.AddSeconds(2)) };

        var decision = Gate().Decide(Delivery(), context, Now);

        var defer = decision.ShouldBeOfType<GateDecision.Defer>();
        defer.Until.ShouldBe(Now.AddSeconds(2) + DeliveryGate.OrderStep);
        defer.Reason.ShouldContain("behind delivery dlv_0, which the provider throttled (due 2026-05-01 21:30:02Z)");
    }

    [Fact]
    public void Decide_ThrottledEarlierDeliveryInFlight_WaitsOneStep()
    {
        var decision = Gate().Decide(Delivery(), new FakeGateContext { Ahead = new ThrottledAhead("dlv_0", Now) }, Now);

        var defer = decision.ShouldBeOfType<GateDecision.Defer>();
        defer.Until.ShouldBe(Now + DeliveryGate.OrderStep);
        defer.Reason.ShouldContain("being sent");
    }

    [Fact]
    public void Decide_ThrottledAheadPastExpiry_ExpiresInsteadOfWaiting()
    {
        var context = new FakeGateContext { Ahead = new ThrottledAhead("dlv_0", Now.AddMinutes(5)) };

        var decision = Gate().Decide(Delivery() with { ExpiresAt = Now.AddMinutes(1) }, context, Now);

        decision.ShouldBeOfType<GateDecision.Suppress>().Status.ShouldBe(DeliveryStatus.Expired);
    }

    [Fact]
    public void Decide_QuietHoursEndingBeforeExpiry_Defers()
    {
        var quiet = new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 0), "Europe/London");
        var context = new FakeGateContext { RulesByUser = { ["u1"] = [new PreferenceRule("*", "*", true, quiet)] } };

        Gate().Decide(Delivery() with { ExpiresAt = Now.AddDays(1) }, context, Now).ShouldBeOfType<GateDecision.Defer>();
    }

    [Fact]
    public void Decide_EscalationWhoseInAppItemWasRead_IsCancelled()
    {
        var context = new FakeGateContext { ReadAt = { ["ntf_1"] = Now.AddMinutes(-3) } };

        var decision = Gate().Decide(Delivery(Channel.Email) with { Condition = DeliveryConditions.InAppUnread }, context, Now);

        var cancelled = decision.ShouldBeOfType<GateDecision.Suppress>();
        cancelled.Status.ShouldBe(DeliveryStatus.Cancelled);
        cancelled.Reason.ShouldBe("in-app item read at 2026-05-01 21:27:00Z; escalation to email cancelled");
    }

    [Fact]
    public void Decide_EscalationWhoseInAppItemIsUnread_Proceeds()
    {
        Gate().Decide(Delivery(Channel.Email) with { Condition = DeliveryConditions.InAppUnread }, new FakeGateContext(), Now).ShouldBe(GateDecision.Go);
    }

    [Fact]
    public void Decide_ReadItemWithoutEscalationCondition_Proceeds()
    {
        var context = new FakeGateContext { ReadAt = { ["ntf_1"] = Now.AddMinutes(-3) } };

        Gate().Decide(Delivery(Channel.Email), context, Now).ShouldBe(GateDecision.Go);
    }

    [Fact]
    public void Decide_OutsideSendWindow_DefersToNextOpening()
    {
        // Friday 1 May 2026, 22:30 in London: weekdays 08:00–20:00 opens again on Monday 4 May, 08:00 BST = 07:00 UTC.
        var window = new SendWindow([DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday],
            new TimeOnly(8, 0), new TimeOnly(20, 0), "Europe/London");
        var context = new FakeGateContext { RulesByUser = { ["u1"] = [new PreferenceRule("*", "*", true, SendWindow: window)] } };

        var defer = Gate().Decide(Delivery(), context, Now).ShouldBeOfType<GateDecision.Defer>();

        defer.Until.ShouldBe(new DateTimeOffset(2026, 5, 4, 7, 0, 0, TimeSpan.Zero));
        defer.Reason.ShouldBe("outside the send window (mon,tue,wed,thu,fri 08:00–20:00 Europe/London); deferred to 2026-05-04 07:00:00Z");
    }

    [Fact]
    public void Decide_UrgentOutsideSendWindow_Proceeds()
    {
        var window = new SendWindow([DayOfWeek.Monday], new TimeOnly(8, 0), new TimeOnly(9, 0), "Europe/London");
        var context = new FakeGateContext { RulesByUser = { ["u1"] = [new PreferenceRule("*", "*", true, SendWindow: window)] } };

        Gate().Decide(Delivery(priority: Priority.Urgent), context, Now).ShouldBe(GateDecision.Go);
    }

    [Fact]
    public void Decide_PreferenceDisabled_SuppressesNamingThePattern()
    {
        var context = new FakeGateContext { RulesByUser = { ["u1"] = [new PreferenceRule("order.*", "sms", Enabled: false)] } };

        var decision = Gate().Decide(Delivery(), context, Now);

        var suppress = decision.ShouldBeOfType<GateDecision.Suppress>();
        suppress.Stage.ShouldBe("gate");
        suppress.Reason.ShouldBe("disabled by preference order.*/sms");
    }

    [Fact]
    public void Decide_UrgentWithDisabledPreference_Proceeds()
    {
        var context = new FakeGateContext { RulesByUser = { ["u1"] = [new PreferenceRule("*", "*", Enabled: false)] } };

        Gate().Decide(Delivery(priority: Priority.Urgent), context, Now).ShouldBe(GateDecision.Go);
    }

    [Fact]
    public void Decide_InsideQuietHours_DefersUntilWindowEnd()
    {
        var quiet = new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 0), "Europe/London");
        var context = new FakeGateContext { RulesByUser = { ["u1"] = [new PreferenceRule("*", "*", true, quiet)] } };

        var decision = Gate().Decide(Delivery(), context, Now);

        // 22:30 BST on 1 May; the window ends at 07:00 BST on 2 May, which is 06:00 UTC.
        var defer = decision.ShouldBeOfType<GateDecision.Defer>();
        defer.Until.ShouldBe(new DateTimeOffset(2026, 5, 2, 6, 0, 0, TimeSpan.Zero));
        defer.Stage.ShouldBe("gate");
        defer.Reason.ShouldBe("quiet hours until 07:00 Europe/London");
    }

    [Fact]
    public void Decide_UrgentInsideQuietHours_Proceeds()
    {
        var quiet = new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 0), "Europe/London");
        var context = new FakeGateContext { RulesByUser = { ["u1"] = [new PreferenceRule("*", "*", true, quiet)] } };

        Gate().Decide(Delivery(priority: Priority.Urgent), context, Now).ShouldBe(GateDecision.Go);
    }

    [Fact]
    public void Decide_QuietHoursInUnknownZone_Proceeds()
    {
        var quiet = new QuietHours(new TimeOnly(0, 0), new TimeOnly(23, 59), "Mars/Olympus_Mons");
        var context = new FakeGateContext { RulesByUser = { ["u1"] = [new PreferenceRule("*", "*", true, quiet)] } };

        Gate().Decide(Delivery(), context, Now).ShouldBe(GateDecision.Go);
    }

    [Fact]
    public void Decide_FrequencyCapReached_DefersUntilOldestSendLeavesTheDay()
    {
        var context = new FakeGateContext
        {
            RulesByUser = { ["u1"] = [new PreferenceRule("order.*", "*", true, FrequencyCap: 2)] },
            Sends = { (Channel.Email, Now.AddHours(-20)), (Channel.Email, Now.AddHours(-3)) },
        };

        var decision = Gate(new PipelineOptions { RateLimits = [] }).Decide(Delivery(Channel.Email), context, Now);

        var defer = decision.ShouldBeOfType<GateDecision.Defer>();
        defer.Until.ShouldBe(Now.AddHours(4));
        defer.Reason.ShouldStartWith("frequency cap 2/day for order.* reached");
        context.SendQueries.ShouldContain((Channel.Email, Now.AddDays(-1), "order.*"));
    }

    [Fact]
    public void Decide_FrequencyCapNotReached_Proceeds()
    {
        var context = new FakeGateContext
        {
            RulesByUser = { ["u1"] = [new PreferenceRule("order.*", "*", true, FrequencyCap: 2)] },
            Sends = { (Channel.Email, Now.AddHours(-3)) },
        };

        Gate(new PipelineOptions { RateLimits = [] }).Decide(Delivery(Channel.Email), context, Now).ShouldBe(GateDecision.Go);
    }

    [Fact]
    public void Decide_SmsRateLimitReached_DefersUntilOldestPlusWindow()
    {
        var context = new FakeGateContext
        {
            Sends = { (Channel.Sms, Now.AddMinutes(-50)), (Channel.Sms, Now.AddMinutes(-20)), (Channel.Sms, Now.AddMinutes(-5)) },
        };

        var decision = Gate(ThreeSmsPerHour()).Decide(Delivery(Channel.Sms), context, Now);

        var defer = decision.ShouldBeOfType<GateDecision.Defer>();
        defer.Until.ShouldBe(Now.AddMinutes(10));
        defer.Reason.ShouldBe("rate limited (3 per 01:00:00); deferred to 2026-05-01 21:40:00Z");
        context.SendQueries.ShouldContain((Channel.Sms, Now.AddHours(-1), (string?)null));
    }

    [Fact]
    public void Decide_SmsUnderRateLimit_Proceeds()
    {
        var context = new FakeGateContext { Sends = { (Channel.Sms, Now.AddMinutes(-20)), (Channel.Sms, Now.AddMinutes(-5)) } };

        Gate(ThreeSmsPerHour()).Decide(Delivery(Channel.Sms), context, Now).ShouldBe(GateDecision.Go);
    }

    [Fact]
    public void Decide_RateLimitCountsOnlyItsOwnChannel_Proceeds()
    {
        var context = new FakeGateContext
        {
            Sends = { (Channel.Push, Now.AddMinutes(-50)), (Channel.Push, Now.AddMinutes(-20)), (Channel.Push, Now.AddMinutes(-5)) },
        };

        Gate(ThreeSmsPerHour()).Decide(Delivery(Channel.Sms), context, Now).ShouldBe(GateDecision.Go);
    }

    [Fact]
    public void Decide_UrgentOverRateLimit_Proceeds()
    {
        var context = new FakeGateContext
        {
            Sends = { (Channel.Sms, Now.AddMinutes(-50)), (Channel.Sms, Now.AddMinutes(-20)), (Channel.Sms, Now.AddMinutes(-5)) },
        };

        Gate(ThreeSmsPerHour()).Decide(Delivery(Channel.Sms, Priority.Urgent), context, Now).ShouldBe(GateDecision.Go);
        context.SendQueries.ShouldBe([(Channel.Sms, Now.AddHours(-1), "order.shipped")], "only the urgent ceiling's count, per event type");
    }

    [Theory]
    [InlineData(Priority.Normal)]
    [InlineData(Priority.Low)]
    public void Decide_SameContentSentRecently_SuppressesNamingTheEarlierDelivery(Priority priority)
    {
        var context = new FakeGateContext { EarlierDelivery = "dlv_earlier" };

        var decision = Gate().Decide(Delivery(Channel.Sms, priority), context, Now);

        var suppress = decision.ShouldBeOfType<GateDecision.Suppress>();
        suppress.Stage.ShouldBe("gate");
        suppress.Reason.ShouldBe("duplicate of delivery dlv_earlier: same content sent within 10 min");
        context.ContentQueries.ShouldBe([("u1", Channel.Sms, "hash-1", "ntf_1", Now.AddMinutes(-10))]);
    }

    [Fact]
    public void Decide_UrgentSameContentByDefault_ProceedsWithoutLooking()
    {
        var context = new FakeGateContext { EarlierDelivery = "dlv_earlier" };

        Gate().Decide(Delivery(Channel.Sms, Priority.Urgent), context, Now).ShouldBe(GateDecision.Go);
        context.ContentQueries.ShouldBeEmpty();
    }

    [Fact]
    public void Decide_UrgentSameContentWithDedupUrgentOption_Suppresses()
    {
        var context = new FakeGateContext { EarlierDelivery = "dlv_earlier" };

        Gate(new PipelineOptions { DedupUrgent = true }).Decide(Delivery(Channel.Sms, Priority.Urgent), context, Now).ShouldBeOfType<GateDecision.Suppress>();
    }

    [Fact]
    public void Decide_UrgentSameContentStampedWithAWindow_SuppressesOverTheStampedWindow()
    {
        var context = new FakeGateContext { EarlierDelivery = "dlv_earlier" };

        var decision = Gate().Decide(Delivery(Channel.Sms, Priority.Urgent) with { DedupWindow = TimeSpan.FromHours(1) }, context, Now);

        decision.ShouldBeOfType<GateDecision.Suppress>().Reason.ShouldBe("duplicate of delivery dlv_earlier: same content sent within 1 h");
        context.ContentQueries.ShouldBe([("u1", Channel.Sms, "hash-1", "ntf_1", Now.AddHours(-1))]);
    }

    [Fact]
    public void Decide_SameContentStampedWindowZero_ProceedsWithoutLooking()
    {
        var context = new FakeGateContext { EarlierDelivery = "dlv_earlier" };

        Gate().Decide(Delivery(Channel.Sms) with { DedupWindow = TimeSpan.Zero }, context, Now).ShouldBe(GateDecision.Go);
        context.ContentQueries.ShouldBeEmpty();
    }

    [Fact]
    public void Decide_SameContentNoStampedWindow_TheDefaultsOffForUrgent()
    {
        var normal = new FakeGateContext { EarlierDelivery = "dlv_earlier" };
        var urgent = new FakeGateContext { EarlierDelivery = "dlv_earlier" };
        var gate = Gate(new PipelineOptions { DedupWindow = TimeSpan.FromMinutes(3) });

        gate.Decide(Delivery(Channel.Sms), normal, Now).ShouldBeOfType<GateDecision.Suppress>();
        normal.ContentQueries.ShouldBe([("u1", Channel.Sms, "hash-1", "ntf_1", Now.AddMinutes(-3))]);
        gate.Decide(Delivery(Channel.Sms, Priority.Urgent), urgent, Now).ShouldBe(GateDecision.Go);
        urgent.ContentQueries.ShouldBeEmpty();
    }

    [Fact]
    public void Decide_UrgentAtTheCeiling_SuppressesNamingTheCeiling()
    {
        var context = new FakeGateContext();
        for (var i = 1; i <= 10; i++)
        {
            context.Sends.Add((Channel.Sms, Now.AddMinutes(-i * 5)));
        }

        var decision = Gate().Decide(Delivery(Channel.Sms, Priority.Urgent), context, Now);

        var suppress = decision.ShouldBeOfType<GateDecision.Suppress>();
        suppress.Status.ShouldBe(DeliveryStatus.Suppressed);
        suppress.Reason.ShouldBe("urgent ceiling of 10 sms per 1 h for order.shipped reached (10 sent since 2026-05-01 20:30:00Z)");
    }

    [Fact]
    public void Decide_UrgentCeilingSetToNone_Proceeds()
    {
        var context = new FakeGateContext();
        for (var i = 1; i <= 20; i++)
        {
            context.Sends.Add((Channel.Sms, Now.AddMinutes(-i)));
        }

        var options = new PipelineOptions { UrgentCeilings = new(StringComparer.Ordinal) { ["sms"] = "none" } };

        Gate(options).Decide(Delivery(Channel.Sms, Priority.Urgent), context, Now).ShouldBe(GateDecision.Go);
    }

    [Fact]
    public void CountWindow_PerPriority_TheCeilingForUrgentTheLimitOtherwiseNoneWithout()
    {
        var options = new PipelineOptions { UrgentCeilings = new(StringComparer.Ordinal) { ["in_app"] = "5/6h" } };

        Gate(options).CountWindow(Channel.InApp, Priority.Urgent).ShouldBe(TimeSpan.FromHours(6));
        Gate(options).CountWindow(Channel.InApp, Priority.Normal).ShouldBe(TimeSpan.FromHours(1), "the default in_app limit 100/1h");
        Gate(options).CountWindow(Channel.Webhook, Priority.Normal).ShouldBe(TimeSpan.Zero, "no webhook limit: nothing counted");
        Gate(options).CountWindow(Channel.Webhook, Priority.Urgent).ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void DedupWindow_StampedOrDefaultPerPriority()
    {
        var gate = Gate(new PipelineOptions());

        gate.DedupWindow(Delivery(Channel.Sms, Priority.Normal)).ShouldBe(TimeSpan.FromMinutes(10));
        gate.DedupWindow(Delivery(Channel.Sms, Priority.Urgent)).ShouldBe(TimeSpan.Zero, "urgent is not deduplicated by default");
        gate.DedupWindow(Delivery(Channel.Sms, Priority.Urgent) with { DedupWindow = TimeSpan.FromHours(2) }).ShouldBe(TimeSpan.FromHours(2));
        Gate(new PipelineOptions { DedupUrgent = true }).DedupWindow(Delivery(Channel.Sms, Priority.Urgent)).ShouldBe(TimeSpan.FromMinutes(10));
    }

    [Fact]
    public void Decide_NothingApplies_Proceeds()
    {
        var context = new FakeGateContext { RulesByUser = { ["u1"] = [new PreferenceRule("*", "*", Enabled: true)] } };

        Gate().Decide(Delivery(), context, Now).ShouldBeOfType<GateDecision.Proceed>();
    }

    [Fact]
    public void Constructor_ZeroWindowRateLimitFromConfiguration_ThrowsFormatException()
    {
        // Rejected when the options are read (and by ValidateOnStart), never at claim time where it would stall a lane.
        Should.Throw<FormatException>(() => Gate(new PipelineOptions { RateLimits = new() { ["sms"] = "3/0s" } }));
    }

    [Theory]
    [InlineData("ten/1h")]
    [InlineData("10/0s")]
    public void Constructor_MalformedUrgentCeiling_ThrowsFormatException(string spec)
    {
        Should.Throw<FormatException>(() => Gate(new PipelineOptions { UrgentCeilings = new(StringComparer.Ordinal) { ["sms"] = spec } }));
    }

    /// <summary>The gate's own input: rules per user and send times the test sets, with the queries the gate made.</summary>
    private sealed class FakeGateContext : IGateContext
    {
        public Dictionary<string, IReadOnlyList<PreferenceRule>> RulesByUser { get; } = [];

        public List<(Channel Channel, DateTimeOffset At)> Sends { get; } = [];

        public string? EarlierDelivery { get; init; }

        public ThrottledAhead? Ahead { get; init; }

        public ThrottledAhead? ThrottledAhead(Delivery delivery, DateTimeOffset now) => Ahead;

        public Dictionary<(string, Channel, string), string> Suppressed { get; } = [];

        public string? Suppression(string environmentId, Channel channel, string address) => Suppressed.TryGetValue((environmentId, channel, address), out var r) ? r : null;

        public Dictionary<string, DateTimeOffset> ReadAt { get; } = [];

        public DateTimeOffset? InAppReadAt(string notificationId) => ReadAt.TryGetValue(notificationId, out var at) ? at : null;

        public List<(Channel, DateTimeOffset, string?)> SendQueries { get; } = [];

        public List<(string, Channel, string, string, DateTimeOffset)> ContentQueries { get; } = [];

        public IReadOnlyList<PreferenceRule> Rules(string environmentId, string userId) => RulesByUser.TryGetValue(userId, out var rules) ? rules : [];

        public IReadOnlyList<DateTimeOffset> RecentSends(string environmentId, string recipientId, Channel channel, DateTimeOffset since, string? eventTypePattern = null)
        {
            SendQueries.Add((channel, since, eventTypePattern));
            return [.. Sends.Where(s => s.Channel == channel && s.At > since).Select(s => s.At).Order()];
        }

        public string? SameContentSent(string environmentId, string recipientId, Channel channel, string contentHash, string notificationId, DateTimeOffset since)
        {
            ContentQueries.Add((recipientId, channel, contentHash, notificationId, since));
            return EarlierDelivery;
        }
    }
}
