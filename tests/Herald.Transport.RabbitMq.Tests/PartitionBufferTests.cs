using Herald.Core.Transport;
using Herald.Transport.RabbitMq.Internal;

namespace Herald.Transport.RabbitMq.Tests;

public sealed class PartitionBufferTests
{
    private static (WorkItem Item, Received Message) Entry(string recipient, int sequence, ulong tag = 0) =>
        (TransportScope.Item(recipient, sequence), new Received(tag == 0 ? (ulong)sequence : tag, [], null, null));

    private static PartitionBuffer With(params (WorkItem Item, Received Message)[] entries)
    {
        var buffer = new PartitionBuffer();
        foreach (var (item, message) in entries)
        {
            buffer.Add(item, message);
        }

        return buffer;
    }

    private static List<string> Ids(List<(WorkItem Item, Received Message)> batch) => [.. batch.Select(b => b.Item.DeliveryId)];

    [Fact]
    public void TakeBatch_SeveralPerRecipient_EachRecipientsEarliestOnly()
    {
        var buffer = With(Entry("a", 1), Entry("b", 2), Entry("a", 3), Entry("c", 4), Entry("b", 5));

        Ids(buffer.TakeBatch(10)).ShouldBe(["d-a-00001", "d-b-00002", "d-c-00004"]);
        Ids(buffer.TakeBatch(10)).ShouldBe(["d-a-00003", "d-b-00005"]);
        buffer.Count.ShouldBe(0);
    }

    [Fact]
    public void TakeBatch_Max_LeavesTheRestInArrivalOrder()
    {
        var buffer = With(Entry("a", 1), Entry("b", 2), Entry("c", 3));

        Ids(buffer.TakeBatch(2)).ShouldBe(["d-a-00001", "d-b-00002"]);
        Ids(buffer.TakeBatch(2)).ShouldBe(["d-c-00003"]);
    }

    [Fact]
    public void TakeBatch_GivenBackMessage_HoldsTheRecipientsLaterMessagesUntilItReturnsAndIsSettled()
    {
        var first = Entry("a", 1);
        var buffer = With(first, Entry("b", 2));
        buffer.TakeBatch(10).Count.ShouldBe(2);
        buffer.GivenBack(first.Item);
        buffer.Add(Entry("a", 3).Item, Entry("a", 3).Message); // sent ahead by the broker before the given-back one returns

        buffer.TakeBatch(10).ShouldBeEmpty("a's later message waits for the given-back one");
        buffer.Add(first.Item, new Received(99, [], null, null)); // redelivered
        var again = buffer.TakeBatch(10);
        Ids(again).ShouldBe(["d-a-00001"]);
        again[0].Message.DeliveryTag.ShouldBe(99UL);
        buffer.TakeBatch(10).ShouldBeEmpty("still in the handler");

        buffer.Settled(first.Item);
        Ids(buffer.TakeBatch(10)).ShouldBe(["d-a-00003"]);
    }

    [Fact]
    public void AckPlan_NothingHeldBack_OneCumulativeAckAtTheHighestTag()
    {
        var (upTo, singles) = PartitionBuffer.AckPlan([4, 2, 7, 5], ulong.MaxValue);

        upTo.ShouldBe(7UL);
        singles.ShouldBeEmpty();
    }

    [Fact]
    public void AckPlan_MessageHeldBelowSomeTags_TagsAboveItAckedOneByOne()
    {
        // Tag 5 is still in the buffer (its recipient already had a message in this batch): a cumulative ack at 7 would
        // ack it unhandled.
        var (upTo, singles) = PartitionBuffer.AckPlan([3, 4, 6, 7], 5);

        upTo.ShouldBe(4UL);
        singles.ShouldBe([6UL, 7UL]);
    }

    [Fact]
    public void AckPlan_EveryTagAboveTheFloor_NoCumulativeAck()
    {
        var (upTo, singles) = PartitionBuffer.AckPlan([8, 9], 2);

        upTo.ShouldBeNull();
        singles.ShouldBe([8UL, 9UL]);
    }

    [Fact]
    public void LowestTag_HeldMessages_TheLowestOfThemAndMaxWhenEmpty()
    {
        var buffer = With(Entry("a", 1, tag: 10), Entry("a", 2, tag: 12), Entry("b", 3, tag: 11));
        buffer.LowestTag().ShouldBe(10UL);

        buffer.TakeBatch(10).Count.ShouldBe(2); // a's first and b's
        buffer.LowestTag().ShouldBe(12UL);
        buffer.TakeBatch(10).Count.ShouldBe(1);
        buffer.LowestTag().ShouldBe(ulong.MaxValue);
    }
}
