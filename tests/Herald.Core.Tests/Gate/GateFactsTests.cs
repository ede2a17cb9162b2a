using Herald.Core.Domain;
using Herald.Core.Gate;
using Herald.Core.Pipeline;
using Herald.Core.Preferences;
using Herald.Core.Storage;
using Microsoft.Extensions.Options;

namespace Herald.Core.Tests.Gate;

/// <summary>The two-phase gate's in-memory facts: the decision over a whole batch without a store.</summary>
public sealed class GateFactsTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private static DeliveryGate Gate(string sms = "3/1h") =>
        new(Options.Create(new PipelineOptions { RateLimits = new Dictionary<string, string>(StringComparer.Ordinal) { ["sms"] = sms } }));

    private static Delivery Sms(int i, string recipient = "u1", string eventType = "order.shipped", string? hash = null) =>
        new($"dlv_{i}", $"ntf_{i}", recipient, eventType, Channel.Sms, Priority.Normal, "+15550001", null, null, DeliveryStatus.Queued, 0, null, "{}",
            hash ?? $"hash-{i}", Now, null, null, Now, Now);

    private static Delivery Urgent(Delivery d) => d with { Priority = Priority.Urgent };

    /// <summary>Decides a batch in order, as the store does: every claim is counted by the decisions after it.</summary>
    private static List<GateDecision> DecideBatch(DeliveryGate gate, GateFacts facts, IEnumerable<Delivery> batch)
    {
        var decisions = new List<GateDecision>();
        foreach (var d in batch)
        {
            var decision = gate.Decide(d, facts, Now);
            if (decision is GateDecision.Proceed)
            {
                facts.Claimed(d, Now);
            }

            decisions.Add(decision);
        }

        return decisions;
    }

    [Fact]
    public void Decide_BatchOfOneRecipient_RateLimitCountsLoadedSendsAndEarlierClaims()
    {
        var facts = new GateFacts();
        facts.AddSend(new RecentSend("u1", Channel.Sms, Now.AddMinutes(-30), "order.shipped", "old", "ntf_old", "dlv_ntf_old"));
        facts.AddSend(new RecentSend("u1", Channel.Sms, Now.AddHours(-2), "order.shipped", "older", "ntf_older", "dlv_ntf_older")); // outside the hour

        var decisions = DecideBatch(Gate(), facts, Enumerable.Range(0, 5).Select(i => Sms(i)));

        decisions.Count(d => d is GateDecision.Proceed).ShouldBe(2);
        decisions.Skip(2).ShouldAllBe(d => d is GateDecision.Defer);
        ((GateDecision.Defer)decisions[2]).Until.ShouldBe(Now.AddMinutes(30));
    }

    [Fact]
    public void Decide_SameAddressSuppressedInAnotherEnvironment_OnlyThatEnvironmentsDeliverySuppressed()
    {
        var facts = new GateFacts();
        facts.AddSuppression("env_a", Channel.Sms, "+15550001", "hard bounce");
        var inA = Sms(1) with { EnvironmentId = "env_a" };
        var inB = Sms(2) with { EnvironmentId = "env_b" };

        var decisions = DecideBatch(Gate(), facts, [inA, inB]);

        decisions[0].ShouldBeOfType<GateDecision.Suppress>().Reason.ShouldContain("hard bounce");
        decisions[1].ShouldBeOfType<GateDecision.Proceed>();
    }

    [Fact]
    public async Task Decide_RateLimitedEmailWithFoldRuleInAnotherEnvironment_FoldsOnlyInTheRulesEnvironment()
    {
        await using var temp = await Pipeline.TempSqliteStore.CreateAsync();
        await temp.Digests.UpsertRuleAsync("env_b", new Digests.DigestRule("order.shipped", TimeSpan.FromHours(1), 10, null, "digest-b", FoldRateLimited: true, Batch: false),
            Now, CancellationToken.None);
        using var rules = new Digests.DigestRules(temp.Digests, TimeProvider.System);
        await rules.GetAsync("env_a", "order.shipped", CancellationToken.None);
        await rules.GetAsync("env_b", "order.shipped", CancellationToken.None);
        var gate = new DeliveryGate(Options.Create(new PipelineOptions { RateLimits = new Dictionary<string, string>(StringComparer.Ordinal) { ["email"] = "1/1h" } }),
            digests: rules);
        var facts = new GateFacts();
        // u1 was sent an email in each environment (sends are counted per environment): both are over the limit.
        facts.AddSend(new RecentSend("u1", Channel.Email, Now.AddMinutes(-1), "order.shipped", "old", "ntf_old_a", "dlv_old_a", "env_a"));
        facts.AddSend(new RecentSend("u1", Channel.Email, Now.AddMinutes(-1), "order.shipped", "old", "ntf_old_b", "dlv_old_b", "env_b"));
        Delivery Email(int i, string environment) => Sms(i) with { Channel = Channel.Email, Target = "u1@example.com", EnvironmentId = environment };

        var decisions = DecideBatch(gate, facts, [Email(1, "env_a"), Email(2, "env_b")]);

        decisions[0].ShouldBeOfType<GateDecision.Defer>();
        decisions[1].ShouldBeOfType<GateDecision.Fold>().TemplateId.ShouldBe("digest-b");
    }

    [Fact]
    public void ThrottledAhead_EarlierNotificationsSamePriority_LatestDueOnly()
    {
        var facts = new GateFacts();
        facts.AddThrottled(Environments.Default, "u1", Channel.Sms, Priority.Normal, "ntf_1", "dlv_1", Now.AddSeconds(1));
        facts.AddThrottled(Environments.Default, "u1", Channel.Sms, Priority.Normal, "ntf_2", "dlv_2", Now.AddSeconds(3));
        facts.AddThrottled(Environments.Default, "u1", Channel.Sms, Priority.Urgent, "ntf_3", "dlv_3", Now.AddSeconds(9)); // another lane
        facts.AddThrottled(Environments.Default, "u1", Channel.Sms, Priority.Normal, "ntf_8", "dlv_8", Now.AddSeconds(9)); // later than ntf_5
        facts.AddThrottled(Environments.Default, "u1", Channel.Email, Priority.Normal, "ntf_0", "dlv_0", Now.AddSeconds(9)); // another channel

        facts.ThrottledAhead(Sms(5), Now).ShouldBe(new ThrottledAhead("dlv_2", Now.AddSeconds(3)));
        facts.ThrottledAhead(Sms(0), Now).ShouldBeNull("nothing earlier than ntf_0 is throttled");
        facts.ThrottledAhead(Sms(5, recipient: "u2"), Now).ShouldBeNull();
        facts.ThrottledAhead(Urgent(Sms(5)), Now).ShouldBe(new ThrottledAhead("dlv_3", Now.AddSeconds(9)));
    }

    [Fact]
    public void ThrottledAhead_InFlightOrDueNow_HoldsUntilNow()
    {
        var facts = new GateFacts();
        facts.AddThrottled(Environments.Default, "u1", Channel.Sms, Priority.Normal, "ntf_1", "dlv_1", null);
        facts.AddThrottled(Environments.Default, "u1", Channel.Sms, Priority.Normal, "ntf_2", "dlv_2", Now.AddSeconds(-1));

        facts.ThrottledAhead(Sms(5), Now)!.Value.Due.ShouldBe(Now);
    }

    [Fact]
    public void Decide_SameContentInOneBatch_SecondSuppressedAsDuplicate()
    {
        var decisions = DecideBatch(Gate("100/1h"), new GateFacts(), [Sms(1, hash: "same"), Sms(2, hash: "same"), Sms(3, recipient: "u2", hash: "same")]);

        decisions[0].ShouldBe(GateDecision.Go);
        decisions[1].ShouldBeOfType<GateDecision.Suppress>().Reason.ShouldBe("duplicate of delivery dlv_1: same content sent within 10 min");
        decisions[2].ShouldBe(GateDecision.Go, "another recipient");
    }

    [Fact]
    public void RecentSends_EventTypePattern_FiltersLikeTheStores()
    {
        var facts = new GateFacts();
        facts.AddSend(new RecentSend("u1", Channel.Email, Now.AddMinutes(-3), "order.shipped", "a", "n1", "dlv_n1"));
        facts.AddSend(new RecentSend("u1", Channel.Email, Now.AddMinutes(-2), "order.paid", "b", "n2", "dlv_n2"));
        facts.AddSend(new RecentSend("u1", Channel.Email, Now.AddMinutes(-1), "orders.x", "c", "n3", "dlv_n3"));

        facts.RecentSends(Environments.Default, "u1", Channel.Email, Now.AddHours(-1)).Count.ShouldBe(3);
        facts.RecentSends(Environments.Default, "u1", Channel.Email, Now.AddHours(-1), "order.*").ShouldBe([Now.AddMinutes(-3), Now.AddMinutes(-2)]);
        facts.RecentSends(Environments.Default, "u1", Channel.Email, Now.AddHours(-1), "order.paid").ShouldBe([Now.AddMinutes(-2)]);
        facts.RecentSends(Environments.Default, "u1", Channel.Email, Now.AddMinutes(-2)).ShouldBe([Now.AddMinutes(-1)], "strictly after since");
        facts.RecentSends(Environments.Default, "u1", Channel.Sms, Now.AddHours(-1)).ShouldBeEmpty();
    }

    [Fact]
    public void SameContentSent_OwnNotification_NotADuplicate()
    {
        var facts = new GateFacts();
        facts.AddSend(new RecentSend("u1", Channel.Sms, Now.AddMinutes(-1), "order.shipped", "h", "ntf_1", "dlv_ntf_1"));

        facts.SameContentSent(Environments.Default, "u1", Channel.Sms, "h", "ntf_1", Now.AddMinutes(-10)).ShouldBeNull();
        facts.SameContentSent(Environments.Default, "u1", Channel.Sms, "h", "ntf_2", Now.AddMinutes(-10)).ShouldBe("dlv_ntf_1");
        facts.SameContentSent(Environments.Default, "u1", Channel.Sms, "h", "ntf_2", Now).ShouldBeNull();
    }

    [Fact]
    public void RecentSendsAndSameContent_SameUserIdInAnotherEnvironment_CountedApart()
    {
        var facts = new GateFacts();
        facts.AddSend(new RecentSend("u1", Channel.Sms, Now.AddMinutes(-1), "order.shipped", "h", "ntf_1", "dlv_1", "env_other"));
        facts.AddThrottled("env_other", "u1", Channel.Sms, Priority.Normal, "ntf_0", "dlv_0", null);

        facts.RecentSends(Environments.Default, "u1", Channel.Sms, Now.AddHours(-1)).ShouldBeEmpty();
        facts.SameContentSent(Environments.Default, "u1", Channel.Sms, "h", "ntf_2", Now.AddMinutes(-10)).ShouldBeNull();
        facts.RecentSends("env_other", "u1", Channel.Sms, Now.AddHours(-1)).ShouldHaveSingleItem();
        facts.SameContentSent("env_other", "u1", Channel.Sms, "h", "ntf_2", Now.AddMinutes(-10)).ShouldBe("dlv_1");
    }

    [Fact]
    public void SameContentSent_SeveralEarlierSends_NamesTheLatest()
    {
        var facts = new GateFacts();
        facts.AddSend(new RecentSend("u1", Channel.Sms, Now.AddMinutes(-5), "order.shipped", "h", "ntf_1", "dlv_1"));
        facts.AddSend(new RecentSend("u1", Channel.Sms, Now.AddMinutes(-2), "order.shipped", "h", "ntf_2", "dlv_2"));
        facts.AddSend(new RecentSend("u1", Channel.Sms, Now.AddMinutes(-1), "order.shipped", "other", "ntf_3", "dlv_3"));

        facts.SameContentSent(Environments.Default, "u1", Channel.Sms, "h", "ntf_4", Now.AddMinutes(-10)).ShouldBe("dlv_2");
    }

    [Fact]
    public void Decide_ElevenUrgentSmsOfOneEventTypeInABatch_TheEleventhIsSuppressedOthersProceed()
    {
        var gate = Gate();
        var facts = new GateFacts();
        // Two sent earlier in the hour (one normal: every priority counts), one before it (does not).
        facts.AddSend(new RecentSend("u1", Channel.Sms, Now.AddHours(-2), "otp.login", "h-old", "ntf_old", "dlv_old"));
        facts.AddSend(new RecentSend("u1", Channel.Sms, Now.AddMinutes(-40), "otp.login", "h-a", "ntf_a", "dlv_a"));
        facts.AddSend(new RecentSend("u1", Channel.Sms, Now.AddMinutes(-30), "otp.login", "h-b", "ntf_b", "dlv_b"));
        var batch = Enumerable.Range(1, 9).Select(i => Urgent(Sms(i, eventType: "otp.login")))
            .Append(Urgent(Sms(10, eventType: "otp.reset")))
            .Append(Urgent(Sms(11, recipient: "u2", eventType: "otp.login")))
            .ToList();

        var decisions = DecideBatch(gate, facts, batch);

        decisions.Take(8).ShouldAllBe(d => d == GateDecision.Go, "2 loaded + 8 claimed in the batch make 10");
        var ninth = decisions[8].ShouldBeOfType<GateDecision.Suppress>();
        ninth.Status.ShouldBe(DeliveryStatus.Suppressed);
        ninth.Reason.ShouldBe("urgent ceiling of 10 sms per 1 h for otp.login reached (10 sent since 2026-05-01 11:00:00Z)");
        decisions[9].ShouldBe(GateDecision.Go, "another event type");
        decisions[10].ShouldBe(GateDecision.Go, "another recipient");
    }

    [Fact]
    public void Decide_DuplicateWithinTheStampedWindow_SuppressedNamingTheEarlierDelivery()
    {
        var gate = Gate();
        var facts = new GateFacts();
        facts.AddSend(new RecentSend("u1", Channel.Sms, Now.AddMinutes(-45), "order.shipped", "same", "ntf_first", "dlv_first"));

        var decision = gate.Decide(Sms(2, hash: "same") with { DedupWindow = TimeSpan.FromHours(1) }, facts, Now);

        decision.ShouldBeOfType<GateDecision.Suppress>().Reason.ShouldBe("duplicate of delivery dlv_first: same content sent within 1 h");
    }

    [Fact]
    public void Decide_StampedWindowZero_DuplicatesProceed()
    {
        var gate = Gate(sms: "100/1h");
        var facts = new GateFacts();

        var decisions = DecideBatch(gate, facts, [Sms(1, hash: "same") with { DedupWindow = TimeSpan.Zero }, Sms(2, hash: "same") with { DedupWindow = TimeSpan.Zero }]);

        decisions.ShouldAllBe(d => d == GateDecision.Go);
    }

    [Fact]
    public void Decide_TwoIdenticalUrgentAlerts_BothProceed()
    {
        var decisions = DecideBatch(Gate(), new GateFacts(), [Urgent(Sms(1, hash: "declined")), Urgent(Sms(2, hash: "declined"))]);

        decisions.ShouldAllBe(d => d == GateDecision.Go);
    }

    [Fact]
    public void CountRanges_OnlyPairsADecisionCounts_TheLongestWindowOfTheBatch()
    {
        var gate = Gate("3/2h");
        var webhook = Sms(3, recipient: "u3") with { Channel = Channel.Webhook };
        PreferenceRule[] capped = [new PreferenceRule("*", "sms", true, FrequencyCap: 2)];
        const string env = Environments.Default;

        var ranges = GateFacts.CountRanges(gate, [Sms(1), Urgent(Sms(2, recipient: "u2")), webhook], (_, _) => [], Now);

        ranges.ShouldBe([new CountRange(env, "u1", Channel.Sms, Now.AddHours(-2), false), new CountRange(env, "u2", Channel.Sms, Now.AddHours(-1), true)], ignoreOrder: true,
            "u2's urgent sms counts its ceiling (10/1h) by event type, u1's limit counts every event type, the webhook nothing");
        GateFacts.CountRanges(gate, [Sms(1)], (_, _) => capped, Now).ShouldBe([new CountRange(env, "u1", Channel.Sms, Now.AddDays(-1), true)]);
        GateFacts.CountRanges(gate, [Urgent(Sms(1))], (_, _) => capped, Now).ShouldBe([new CountRange(env, "u1", Channel.Sms, Now.AddHours(-1), true)], "urgent ignores caps");
        GateFacts.CountRanges(gate, [Sms(1)], null, Now).ShouldBe([new CountRange(env, "u1", Channel.Sms, Now.AddHours(-2), false)], "rules not read yet: caps left for later");
        GateFacts.CountRanges(gate, [Sms(1), Sms(4) with { EnvironmentId = "env_b" }], (_, _) => [], Now).Count.ShouldBe(2, "per environment");
    }

    [Fact]
    public void RecentSends_CountedWithoutEventType_CountsUnderEveryFilter()
    {
        var facts = new GateFacts();
        facts.AddCounted(Environments.Default, "u1", Channel.Sms, Now.AddMinutes(-3), null);
        facts.AddCounted(Environments.Default, "u1", Channel.Sms, Now.AddMinutes(-2), "order.paid");

        facts.RecentSends(Environments.Default, "u1", Channel.Sms, Now.AddHours(-1)).Count.ShouldBe(2);
        facts.RecentSends(Environments.Default, "u1", Channel.Sms, Now.AddHours(-1), "order.shipped").Count.ShouldBe(1, "the one loaded without its type counts: the safe side");
        facts.RecentSends(Environments.Default, "u1", Channel.Sms, Now.AddMinutes(-150.0 / 60)).Count.ShouldBe(1);
    }

    [Fact]
    public void ContentProbes_OnePerDeliveryWithDedupOn_TheLongestWindow()
    {
        var first = Sms(1, hash: "same");
        var probes = GateFacts.ContentProbes(Gate(), [first, first with { Id = "dlv_1b", DedupWindow = TimeSpan.FromHours(3) }, Urgent(Sms(2, hash: "same"))], Now);

        probes.ShouldBe([(Environments.Default, "u1", Channel.Sms, "same", "ntf_1", Now.AddHours(-3))], "one probe per notification and content; urgent dedup is off");
    }

    [Fact]
    public void SameContentSent_ProbedSendsAnswerDedupButAreNeverCounted()
    {
        var facts = new GateFacts();
        for (var i = 0; i < 3; i++)
        {
            facts.AddSameContent(new RecentSend("u1", Channel.Sms, Now.AddMinutes(-5 + i), "order.shipped", $"h{i}", $"ntf_old{i}", $"dlv_old{i}"));
        }

        var decisions = DecideBatch(Gate(), facts, [Sms(1, hash: "h2"), Sms(2, hash: "fresh")]);

        decisions[0].ShouldBeOfType<GateDecision.Suppress>().Reason.ShouldContain("dlv_old2");
        decisions[1].ShouldBe(GateDecision.Go, "three probed sends are not three sends against the 3/1h limit");
    }
}
