using Herald.Core.Channels;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Routing;
using Herald.Providers.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Providers.Tests.Routing;

/// <summary>
/// The router's decisions (order, conditions, failover, circuits, buckets). The adapters here are scripted stand-ins:
/// the router is what is under test; the adapters' own contract runs against the sandbox elsewhere.
/// </summary>
public sealed class ProviderRouterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private static readonly CircuitSettings Circuit = new(0.5, 4, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10));

    [Fact]
    public async Task Retryable_error_fails_over_to_the_next_provider_and_the_trace_says_so()
    {
        var a = new Scripted("sms1", _ => new DeliveryOutcome.Retry("503 Service Unavailable"));
        var b = new Scripted("sms2", _ => new DeliveryOutcome.Sent("v-1"));
        var router = Router(TimeProvider.System, Route(a), Route(b));

        var result = await router.SendAsync(Sms("+15551230000"), CancellationToken.None);

        result.Provider.ShouldBe("sms2");
        result.Outcome.ShouldBeOfType<DeliveryOutcome.Sent>();
        result.Notes!.Select(n => n.Decision).ShouldBe(["failover", "routed"]);
        result.Notes![0].Reason.ShouldContain("sms1: 503 Service Unavailable; trying sms2");
    }

    [Fact]
    public async Task Unknown_outcome_never_fails_over_because_the_first_provider_may_have_it()
    {
        var a = new Scripted("sms1", _ => new DeliveryOutcome.Unknown("timed out after send"));
        var b = new Scripted("sms2", _ => new DeliveryOutcome.Sent("v-1"));
        var result = await Router(TimeProvider.System, Route(a), Route(b)).SendAsync(Sms("+15551230000"), CancellationToken.None);

        result.Outcome.ShouldBeOfType<DeliveryOutcome.Unknown>();
        result.Provider.ShouldBe("sms1");
        b.Calls.ShouldBe(0);
    }

    [Fact]
    public async Task Rejected_and_invalid_target_are_final_and_do_not_count_against_the_provider()
    {
        var a = new Scripted("sms1", _ => new DeliveryOutcome.InvalidTarget("21610"));
        var b = new Scripted("sms2", _ => new DeliveryOutcome.Sent("v-1"));
        var route = Route(a);
        var router = Router(TimeProvider.System, route, Route(b));
        for (var i = 0; i < 10; i++)
        {
            (await router.SendAsync(Sms("+15551230000"), CancellationToken.None)).Outcome.ShouldBeOfType<DeliveryOutcome.InvalidTarget>();
        }

        route.State.ShouldBe("closed");
        b.Calls.ShouldBe(0);
    }

    [Fact]
    public async Task Circuit_opens_after_failures_half_opens_after_the_break_and_closes_on_success()
    {
        var time = new FakeTimeProvider(T0);
        var healthy = false;
        var a = new Scripted("sms1", _ => healthy ? new DeliveryOutcome.Sent("t-1") : new DeliveryOutcome.Retry("503"));
        var b = new Scripted("sms2", _ => new DeliveryOutcome.Sent("v-1"));
        var primary = Route(a, time: time);
        var router = Router(time, primary, Route(b, time: time));

        for (var i = 0; i < 4; i++)
        {
            (await router.SendAsync(Sms("+15551230000"), CancellationToken.None)).Provider.ShouldBe("sms2");
        }

        primary.State.ShouldBe("open");
        var skipped = await router.SendAsync(Sms("+15551230000"), CancellationToken.None);
        skipped.Notes![0].ShouldBe(new RouteNote("skipped", "sms1: circuit open; trying sms2"));
        a.Calls.ShouldBe(4);

        healthy = true;
        time.Advance(TimeSpan.FromSeconds(11));
        var trial = await router.SendAsync(Sms("+15551230000"), CancellationToken.None);
        trial.Provider.ShouldBe("sms1");
        primary.State.ShouldBe("closed");
        primary.Stats.Snapshot(TimeSpan.FromHours(1)).Transitions.Select(t => t.State).ShouldBe(["open", "half_open", "closed"]);
    }

    [Fact]
    public async Task Configuration_error_isolates_the_provider_at_once()
    {
        var a = new Scripted("sms1", _ => new DeliveryOutcome.Misconfigured("401 Authenticate"));
        var b = new Scripted("sms2", _ => new DeliveryOutcome.Sent("v-1"));
        var primary = Route(a);
        var router = Router(TimeProvider.System, primary, Route(b));

        (await router.SendAsync(Sms("+15551230000"), CancellationToken.None)).Provider.ShouldBe("sms2");
        primary.State.ShouldBe("isolated");
        await router.SendAsync(Sms("+15551230000"), CancellationToken.None);
        a.Calls.ShouldBe(1);
    }

    [Fact]
    public async Task Conditions_route_sms_by_prefix_and_push_by_platform()
    {
        var us = new Scripted("us", _ => new DeliveryOutcome.Sent("u"));
        var rest = new Scripted("rest", _ => new DeliveryOutcome.Sent("r"));
        var router = Router(TimeProvider.System, Route(us, match: ["+1"]), Route(rest));
        (await router.SendAsync(Sms("+15551230000"), CancellationToken.None)).Provider.ShouldBe("us");
        (await router.SendAsync(Sms("+447700900000"), CancellationToken.None)).Provider.ShouldBe("rest");

        var apns = new Scripted("apns", _ => new DeliveryOutcome.Sent("a"), Channel.Push);
        var fcm = new Scripted("fcm", _ => new DeliveryOutcome.Sent("f"), Channel.Push);
        var push = new ProviderRouter(Channel.Push, [Route(apns, match: ["ios"]), Route(fcm, match: ["android"])], TimeProvider.System, NullLogger<ProviderRouter>.Instance);
        (await push.SendAsync(Push("android"), CancellationToken.None)).Provider.ShouldBe("fcm");
        (await push.SendAsync(Push("ios"), CancellationToken.None)).Provider.ShouldBe("apns");
        (await push.SendAsync(Push("web"), CancellationToken.None)).Outcome.ShouldBeOfType<DeliveryOutcome.Rejected>().Reason.ShouldContain("platform 'web'");
    }

    [Fact]
    public async Task Empty_token_bucket_sends_the_message_to_the_next_provider()
    {
        var time = new FakeTimeProvider(T0);
        var a = new Scripted("long-code", _ => new DeliveryOutcome.Sent("a"));
        var b = new Scripted("short-code", _ => new DeliveryOutcome.Sent("b"));
        var router = Router(time, Route(a, bucket: TokenBucket.Parse("1/s", time), time: time), Route(b, time: time));

        (await router.SendAsync(Sms("+15551230000"), CancellationToken.None)).Provider.ShouldBe("long-code");
        var second = await router.SendAsync(Sms("+15551230000"), CancellationToken.None);
        second.Provider.ShouldBe("short-code");
        second.Notes![0].Decision.ShouldBe("skipped");
        second.Notes![0].Reason.ShouldContain("rate 1/s reached");
    }

    [Fact]
    public async Task Every_provider_failing_is_a_retry_no_sooner_than_retry_after()
    {
        var a = new Scripted("sms1", _ => new DeliveryOutcome.Retry("429", TimeSpan.FromSeconds(30)));
        var b = new Scripted("sms2", _ => new DeliveryOutcome.Retry("503", TimeSpan.FromSeconds(20)));
        var result = await Router(TimeProvider.System, Route(a), Route(b)).SendAsync(Sms("+15551230000"), CancellationToken.None);

        var retry = result.Outcome.ShouldBeOfType<DeliveryOutcome.Retry>();
        retry.RetryAfter.ShouldBe(TimeSpan.FromSeconds(20));
        retry.Reason.ShouldContain("every sms provider failed");
        retry.Throttled.ShouldBeFalse();
    }

    [Fact]
    public async Task SendAsync_NoProviderHasRoom_IsThrottledUnlessOneReallyFailed()
    {
        // An empty bucket and a provider's own 429: nothing failed, so the delivery is deferred without using an attempt.
        var time = new FakeTimeProvider(T0);
        var bucketed = new Scripted("sms1", _ => new DeliveryOutcome.Sent("a"));
        var busy = new Scripted("sms2", _ => new DeliveryOutcome.Retry("429 too many", TimeSpan.FromSeconds(3), Throttled: true));
        var bucket = TokenBucket.Parse("1/s", time);
        (await bucket.TakeAsync(TimeSpan.Zero, CancellationToken.None)).Taken.ShouldBeTrue();
        var router = Router(time, Route(bucketed, bucket: bucket, time: time), Route(busy, time: time));

        var throttled = (await router.SendAsync(Sms("+15551230000"), CancellationToken.None)).Outcome.ShouldBeOfType<DeliveryOutcome.Retry>();

        throttled.Throttled.ShouldBeTrue();
        throttled.Reason.ShouldContain("no sms provider has room now");
        throttled.RetryAfter.ShouldBe(TimeSpan.FromSeconds(1), "the bucket's next slot comes before the 429's Retry-After");

        var failing = new Scripted("sms3", _ => new DeliveryOutcome.Retry("503 unavailable"));
        var mixed = Router(time, Route(busy, time: time), Route(failing, time: time));
        (await mixed.SendAsync(Sms("+15551230000"), CancellationToken.None)).Outcome.ShouldBeOfType<DeliveryOutcome.Retry>().Throttled.ShouldBeFalse("one provider really failed");
    }

    [Fact]
    public async Task Look_up_goes_to_the_provider_recorded_on_the_delivery()
    {
        var a = new Scripted("sms1", _ => new DeliveryOutcome.Sent("a")) { LookUp = LookUpAnswer.NotFound };
        var b = new Scripted("sms2", _ => new DeliveryOutcome.Sent("b")) { LookUp = LookUpAnswer.Found };
        var router = Router(TimeProvider.System, Route(a), Route(b));

        (await router.LookUpAsync(Sms("+15551230000") with { Provider = "sms2" }, CancellationToken.None)).ShouldBe(LookUpAnswer.Found);
        var neither = Router(TimeProvider.System, Route(a));
        (await neither.LookUpAsync(Sms("+15551230000") with { Provider = "sms1" }, CancellationToken.None)).ShouldBe(LookUpAnswer.NotFound);
        (await neither.LookUpAsync(Sms("+15551230000") with { Provider = "gone" }, CancellationToken.None)).ShouldBe(LookUpAnswer.CannotAsk,
            "a provider no longer configured cannot be asked, and it may hold the message");
    }

    [Fact]
    public async Task LookUpAsync_NoProviderRecorded_AsksEveryProviderThatAcceptsTheDelivery()
    {
        // A first send whose worker died before its completion was written leaves no provider on the delivery; the
        // message may still be at the provider, so "cannot be asked" (a blind resend, or the DLQ for low) is wrong.
        var unsent = Sms("+15551230000");
        unsent.Provider.ShouldBeNull();
        var holds = Router(TimeProvider.System, Route(new Scripted("sms1", _ => new DeliveryOutcome.Sent("a")) { LookUp = LookUpAnswer.NotFound }),
            Route(new Scripted("sms2", _ => new DeliveryOutcome.Sent("b")) { LookUp = LookUpAnswer.Found }));
        (await holds.LookUpAsync(unsent, CancellationToken.None)).ShouldBe(LookUpAnswer.Found);

        var neither = Router(TimeProvider.System, Route(new Scripted("sms1", _ => new DeliveryOutcome.Sent("a")) { LookUp = LookUpAnswer.NotFound }),
            Route(new Scripted("sms2", _ => new DeliveryOutcome.Sent("b")) { LookUp = LookUpAnswer.NotFound }));
        (await neither.LookUpAsync(unsent, CancellationToken.None)).ShouldBe(LookUpAnswer.NotFound);

        var unaskable = Router(TimeProvider.System, Route(new Scripted("sms1", _ => new DeliveryOutcome.Sent("a")) { LookUp = LookUpAnswer.NotFound }),
            Route(new Scripted("sms2", _ => new DeliveryOutcome.Sent("b")) { LookUp = LookUpAnswer.CannotAsk }));
        (await unaskable.LookUpAsync(unsent, CancellationToken.None)).ShouldBe(LookUpAnswer.CannotAsk, "one provider that may hold it cannot be asked");

        var elsewhere = Router(TimeProvider.System, Route(new Scripted("sms1", _ => new DeliveryOutcome.Sent("a")) { LookUp = LookUpAnswer.NotFound }),
            Route(new Scripted("sms2", _ => new DeliveryOutcome.Sent("b")) { LookUp = LookUpAnswer.CannotAsk }, match: ["+44"]));
        (await elsewhere.LookUpAsync(unsent, CancellationToken.None)).ShouldBe(LookUpAnswer.NotFound, "a provider that does not take this number never had it");
    }

    [Fact]
    public async Task LookUpAsync_RecordedProviderNeverGotIt_AsksTheOthersTheLostAttemptMayHaveFailedOverTo()
    {
        // The recorded provider is the last completed attempt's: the lost attempt may have failed over to another one, or
        // found every circuit open ("router"), so "never got it" from the recorded one alone would resend a duplicate.
        var sms1 = new Scripted("sms1", _ => new DeliveryOutcome.Sent("a")) { LookUp = LookUpAnswer.NotFound };
        var sms2 = new Scripted("sms2", _ => new DeliveryOutcome.Sent("b")) { LookUp = LookUpAnswer.Found };
        var router = Router(TimeProvider.System, Route(sms1), Route(sms2));

        (await router.LookUpAsync(Sms("+15551230000") with { Provider = "sms1" }, CancellationToken.None)).ShouldBe(LookUpAnswer.Found);
        (await router.LookUpAsync(Sms("+15551230000") with { Provider = "router" }, CancellationToken.None)).ShouldBe(LookUpAnswer.Found);
        var neither = Router(TimeProvider.System, Route(sms1), Route(new Scripted("sms3", _ => new DeliveryOutcome.Sent("c")) { LookUp = LookUpAnswer.NotFound }));
        (await neither.LookUpAsync(Sms("+15551230000") with { Provider = "router" }, CancellationToken.None)).ShouldBe(LookUpAnswer.NotFound);
    }

    [Fact]
    public async Task LookUpAsync_NoProviderRecordedAndOneDidNotAnswer_IsUnansweredUnlessAnotherHoldsIt()
    {
        // A provider that failed to answer this time may still hold the message: asking again later can tell, which a
        // provider that can never be asked cannot; so unanswered outweighs "cannot ask", and only "found" outweighs it.
        var unsent = Sms("+15551230000");
        var failed = Router(TimeProvider.System, Route(new Scripted("sms1", _ => new DeliveryOutcome.Sent("a")) { LookUp = LookUpAnswer.CannotAsk }),
            Route(new Scripted("sms2", _ => new DeliveryOutcome.Sent("b")) { LookUp = LookUpAnswer.Unanswered }),
            Route(new Scripted("sms3", _ => new DeliveryOutcome.Sent("c")) { LookUp = LookUpAnswer.NotFound }));
        (await failed.LookUpAsync(unsent, CancellationToken.None)).ShouldBe(LookUpAnswer.Unanswered);

        var found = Router(TimeProvider.System, Route(new Scripted("sms1", _ => new DeliveryOutcome.Sent("a")) { LookUp = LookUpAnswer.Unanswered }),
            Route(new Scripted("sms2", _ => new DeliveryOutcome.Sent("b")) { LookUp = LookUpAnswer.Found }));
        (await found.LookUpAsync(unsent, CancellationToken.None)).ShouldBe(LookUpAnswer.Found);
        (await found.LookUpAsync(unsent with { Provider = "sms1" }, CancellationToken.None)).ShouldBe(LookUpAnswer.Found);
        var alone = Router(TimeProvider.System, Route(new Scripted("sms1", _ => new DeliveryOutcome.Sent("a")) { LookUp = LookUpAnswer.Unanswered }),
            Route(new Scripted("sms2", _ => new DeliveryOutcome.Sent("b")) { LookUp = LookUpAnswer.NotFound }));
        (await alone.LookUpAsync(unsent with { Provider = "sms1" }, CancellationToken.None)).ShouldBe(LookUpAnswer.Unanswered);
    }

    private static ProviderRouter Router(TimeProvider time, params ProviderRoute[] routes) =>
        new(Channel.Sms, routes, time, NullLogger<ProviderRouter>.Instance);

    private static ProviderRoute Route(Scripted adapter, string[]? match = null, TokenBucket? bucket = null, TimeProvider? time = null) =>
        new(adapter, match ?? [], bucket, TimeSpan.Zero, Circuit, time ?? TimeProvider.System);

    private static Delivery Sms(string to) => TestContexts.Delivery(Channel.Sms, to, new JsonObject { ["body"] = "hi" });

    private static Delivery Push(string platform) => TestContexts.Delivery(Channel.Push, "tok", new JsonObject { ["title"] = "t" }, platform: platform);

    private sealed class Scripted(string name, Func<Delivery, DeliveryOutcome> answer, Channel channel = Channel.Sms) : IProviderAdapter
    {
        private int _calls;

        public int Calls => _calls;

        public LookUpAnswer LookUp { get; init; } = LookUpAnswer.CannotAsk;

        public string Name => name;

        public string Type => "scripted";

        public Channel Channel => channel;

        public Task<DeliveryOutcome> SendAsync(Delivery delivery, CancellationToken ct)
        {
            Interlocked.Increment(ref _calls);
            return Task.FromResult(answer(delivery));
        }

        public Task<LookUpAnswer> LookUpAsync(Delivery delivery, CancellationToken ct) => Task.FromResult(LookUp);
    }
}
