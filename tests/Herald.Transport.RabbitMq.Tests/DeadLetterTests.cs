using System.Text;
using Herald.Core.Domain;
using Herald.Core.Transport;
using Herald.Transport.RabbitMq.Internal;
using RabbitMQ.Client;

namespace Herald.Transport.RabbitMq.Tests;

public sealed class DeadLetterTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ConsumeAsync_HandlerAlwaysThrows_DeadLettersAfterTheDeliveryLimitWithTheReason()
    {
        await using var scope = await TransportScope.StartAsync(o => o.DeliveryLimit = 3);
        var calls = 0;
        var item = TransportScope.Item("dave", 1, Channel.Email, Priority.Urgent);
        await scope.Transport.PublishAsync([item], CancellationToken.None);

        List<BasicGetResult> dead;
        await using (scope.Consume(Channel.Email, Priority.Urgent, (_, _) =>
        {
            Interlocked.Increment(ref calls);
            throw new InvalidOperationException("boom from the handler");
        }))
        {
            dead = await scope.DeadLettersAsync(1, Wait);
            await Task.Delay(500); // would it come back once more?
        }

        calls.ShouldBe(4, "the first delivery and DeliveryLimit redeliveries, then no more");
        var message = dead.ShouldHaveSingleItem();
        message.BasicProperties.MessageId.ShouldBe(item.DeliveryId);
        var reason = message.Header(WorkCodec.DeadReasonHeader).ShouldNotBeNull();
        reason.ShouldContain("delivery limit reached after 4 deliveries");
        reason.ShouldContain("InvalidOperationException: boom from the handler");
        message.Header(WorkCodec.DeadQueueHeader).ShouldBe(scope.Topology.Queue(Channel.Email, Priority.Urgent, Topology.Partition("dave", scope.Options.Partitions)));
        WorkCodec.TryDecode(message.Body, message.BasicProperties.Headers, out var decoded, out _).ShouldBeTrue();
        decoded.ShouldBe(item with { TraceParent = null });
    }

    [Fact]
    public async Task ConsumeAsync_HandlerDeadLetters_KeepsTheReasonAndTheTraceParent()
    {
        await using var scope = await TransportScope.StartAsync();
        var item = TransportScope.Item("erin", 1, Channel.Webhook, Priority.Normal, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        await scope.Transport.PublishAsync([item], CancellationToken.None);

        List<BasicGetResult> dead;
        await using (scope.Consume(Channel.Webhook, Priority.Normal, (_, _) => Task.FromResult((WorkSettlement.DeadLetter, (string?)"template welcome has no sms variant"))))
        {
            dead = await scope.DeadLettersAsync(1, Wait);
        }

        var message = dead.ShouldHaveSingleItem();
        message.Header(WorkCodec.DeadReasonHeader).ShouldBe("template welcome has no sms variant");
        message.Header(WorkCodec.TraceParentHeader).ShouldBe(item.TraceParent);
        message.BasicProperties.Persistent.ShouldBeTrue();
    }

    [Fact]
    public async Task ConsumeAsync_MalformedBody_DeadLettersWithTheReasonWithoutCallingTheHandler()
    {
        await using var scope = await TransportScope.StartAsync();
        await using (var connection = await TestBroker.ConnectAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.BasicPublishAsync(scope.Topology.WorkExchange, Topology.RoutingKey(Channel.Sms, Priority.Low, 1), mandatory: true,
                new BasicProperties { MessageId = "garbage-1" }, Encoding.UTF8.GetBytes("{not json"));
            await channel.BasicPublishAsync(scope.Topology.WorkExchange, Topology.RoutingKey(Channel.Sms, Priority.Low, 0), mandatory: true,
                new BasicProperties { MessageId = "wrong-lane-1" }, WorkCodec.Encode(TransportScope.Item("x", 1, Channel.Push, Priority.Low)));
        }

        var calls = 0;
        List<BasicGetResult> dead;
        await using (scope.Consume(Channel.Sms, Priority.Low, (_, _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult((WorkSettlement.Ack, (string?)null));
        }))
        {
            dead = await scope.DeadLettersAsync(2, Wait);
        }

        calls.ShouldBe(0);
        dead.Count.ShouldBe(2);
        dead.Single(m => m.BasicProperties.MessageId == "garbage-1").Header(WorkCodec.DeadReasonHeader).ShouldNotBeNull().ShouldStartWith("malformed body:");
        dead.Single(m => m.BasicProperties.MessageId == "wrong-lane-1").Header(WorkCodec.DeadReasonHeader).ShouldNotBeNull().ShouldStartWith("wrong lane: push.low");
    }
}
