using Herald.Core.Domain;
using Herald.Core.Pipeline;
using Herald.Core.Preferences;
using Herald.Core.Storage;
using Microsoft.Extensions.Options;

namespace Herald.Core.Tests.Pipeline;

/// <summary>The two-phase gate's in-memory facts: the decision over a whole batch without a store.</summary>
public sealed class GateFactsTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private static DeliveryGate Gate(string sms = "3/1h") =>
        new(Options.Create(new PipelineOptions { RateLimits = new Dictionary<string, string>(StringComparer.Ordinal) { ["sms"] = sms } }));

    private static Delivery Sms(int i, string recipient = "u1", string eventType = "order.shipped", string? hash = null) =>
        new($"dlv_{i}", $"ntf_{i}", recipient, eventType, Channel.Sms, Priority.Normal, "+15550001", null, null, DeliveryStatus.Queued, 0, null, "{}",
            hash ?? $"hash-{i}", Now, null, null, Now, Now);

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
        facts.AddSend(new RecentSend("u1", Channel.Sms, Now.AddMinutes(-30), "order.shipped", "old", "ntf_old"));
        facts.AddSend(new RecentSend("u1", Channel.Sms, Now.AddHours(-2), "order.shipped", "older", "ntf_older")); // outside the hour

        var decisions = DecideBatch(Gate(), facts, Enumerable.Range(0, 5).Select(i => Sms(i)));

        decisions.Count(d => d is GateDecision.Proceed).ShouldBe(2);
        decisions.Skip(2).ShouldAllBe(d => d is GateDecision.Defer);
        ((GateDecision.Defer)decisions[2]).Until.ShouldBe(Now.AddMinutes(30));
    }

    [Fact]
    public void Decide_SameContentInOneBatch_SecondSuppressedAsDuplicate()
    {
        var decisions = DecideBatch(Gate("100/1h"), new GateFacts(), [Sms(1, hash: "same"), Sms(2, hash: "same"), Sms(3, recipient: "u2", hash: "same")]);

        decisions[0].ShouldBe(GateDecision.Go);
        decisions[1].ShouldBeOfType<GateDecision.Suppress>().Reason.ShouldStartWith("duplicate content");
        decisions[2].ShouldBe(GateDecision.Go, "another recipient");
    }

    [Fact]
    public void RecentSends_EventTypePattern_FiltersLikeTheStores()
    {
        var facts = new GateFacts();
        facts.AddSend(new RecentSend("u1", Channel.Email, Now.AddMinutes(-3), "order.shipped", "a", "n1"));
        facts.AddSend(new RecentSend("u1", Channel.Email, Now.AddMinutes(-2), "order.paid", "b", "n2"));
        facts.AddSend(new RecentSend("u1", Channel.Email, Now.AddMinutes(-1), "orders.x", "c", "n3"));

        facts.RecentSends("u1", Channel.Email, Now.AddHours(-1)).Count.ShouldBe(3);
        facts.RecentSends("u1", Channel.Email, Now.AddHours(-1), "order.*").ShouldBe([Now.AddMinutes(-3), Now.AddMinutes(-2)]);
        facts.RecentSends("u1", Channel.Email, Now.AddHours(-1), "order.paid").ShouldBe([Now.AddMinutes(-2)]);
        facts.RecentSends("u1", Channel.Email, Now.AddMinutes(-2)).ShouldBe([Now.AddMinutes(-1)], "strictly after since");
        facts.RecentSends("u1", Channel.Sms, Now.AddHours(-1)).ShouldBeEmpty();
    }

    [Fact]
    public void SentSameContent_OwnNotification_NotADuplicate()
    {
        var facts = new GateFacts();
        facts.AddSend(new RecentSend("u1", Channel.Sms, Now.AddMinutes(-1), "order.shipped", "h", "ntf_1"));

        facts.SentSameContent("u1", Channel.Sms, "h", "ntf_1", Now.AddMinutes(-10)).ShouldBeFalse();
        facts.SentSameContent("u1", Channel.Sms, "h", "ntf_2", Now.AddMinutes(-10)).ShouldBeTrue();
        facts.SentSameContent("u1", Channel.Sms, "h", "ntf_2", Now).ShouldBeFalse();
    }

    [Fact]
    public void Lookback_RateLimitDedupAndFrequencyCap_TheLongestWindow()
    {
        var gate = Gate("3/2h");
        PreferenceRule[] capped = [new PreferenceRule("*", "sms", true, FrequencyCap: 2)];

        GateFacts.Lookback(gate, Channel.Sms, []).ShouldBe(TimeSpan.FromHours(2));
        GateFacts.Lookback(gate, Channel.Webhook, []).ShouldBe(TimeSpan.FromMinutes(10), "no limit: the dedup window");
        GateFacts.Lookback(gate, Channel.Sms, capped).ShouldBe(TimeSpan.FromDays(1));
    }
}
