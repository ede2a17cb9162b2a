using Herald.Core.Pipeline.Cluster;

namespace Herald.Core.Tests.Pipeline.Cluster;

public sealed class ClusterSignalHandlersTests
{
    [Fact]
    public void Dispatch_TopicWithSubscribers_CallsOnlyThatTopicsHandlers()
    {
        var handlers = new ClusterSignalHandlers();
        var got = new List<string>();
        using var template = handlers.Subscribe(ClusterTopics.Template, k => got.Add("template:" + k));
        using var feed = handlers.Subscribe(ClusterTopics.Feed, k => got.Add("feed:" + k));

        handlers.Dispatch(ClusterTopics.Template, "t1");

        got.ShouldBe(["template:t1"]);
    }

    [Fact]
    public void DispatchEverything_Subscribers_EachGetsNullKey()
    {
        var handlers = new ClusterSignalHandlers();
        var got = new List<string?>();
        using var template = handlers.Subscribe(ClusterTopics.Template, got.Add);
        using var feed = handlers.Subscribe(ClusterTopics.Feed, got.Add);

        handlers.DispatchEverything();

        got.ShouldBe([null, null]);
    }

    [Fact]
    public void Dispose_Subscription_HandlerNoLongerCalled()
    {
        var handlers = new ClusterSignalHandlers();
        var calls = 0;
        var subscription = handlers.Subscribe(ClusterTopics.Due, _ => calls++);

        subscription.Dispose();
        handlers.Dispatch(ClusterTopics.Due, ClusterTopics.Lane(Herald.Core.Domain.Channel.Sms, Herald.Core.Domain.Priority.Urgent));

        calls.ShouldBe(0);
    }

    [Fact]
    public void TryParseLane_LaneKey_GivesChannelAndPriorityBack()
    {
        var key = ClusterTopics.Lane(Herald.Core.Domain.Channel.Webhook, Herald.Core.Domain.Priority.Low);

        ClusterTopics.TryParseLane(key, out var channel, out var priority).ShouldBeTrue();

        (channel, priority).ShouldBe((Herald.Core.Domain.Channel.Webhook, Herald.Core.Domain.Priority.Low));
        ClusterTopics.TryParseLane("x", out _, out _).ShouldBeFalse();
    }
}
