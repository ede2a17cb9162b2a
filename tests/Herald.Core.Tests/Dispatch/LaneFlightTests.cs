using Herald.Core.Dispatch;
using Herald.Core.Domain;

namespace Herald.Core.Tests.Dispatch;

/// <summary>A lane's flight: room per finished send, recipients held per batch.</summary>
public sealed class LaneFlightTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);

    private static Delivery Sms(int i) =>
        new($"dlv_{i}", $"ntf_{i}", $"u{i}", "order.shipped", Channel.Sms, Priority.Normal, "+15550001", null, null, DeliveryStatus.Queued, 0, null, "{}",
            $"hash-{i}", Now, null, null, Now, Now);

    [Fact]
    public void Sent_EachFinishedSend_GivesItsRoomBackButTheRecipientsStayHeldUntilRemove()
    {
        var flight = new LaneFlight(4);
        var batch = Enumerable.Range(0, 4).Select(Sms).ToList();
        flight.Add(batch);
        flight.Room.ShouldBe(0);

        flight.Sent();
        flight.Room.ShouldBe(1);
        flight.Sent();
        flight.Sent();
        flight.Sent();

        flight.Room.ShouldBe(4);
        flight.Held().ShouldNotBeNull().Count.ShouldBe(4, "held until the batch commits");
        flight.Remove(batch, unsent: 0);
        flight.Held().ShouldBeNull();
        flight.Batches.ShouldBe(0);
        flight.Room.ShouldBe(4);
    }

    [Fact]
    public void Remove_BatchFailedBeforeItsSendsFinished_GivesBackTheirRoom()
    {
        var flight = new LaneFlight(8);
        var batch = Enumerable.Range(0, 5).Select(Sms).ToList();
        flight.Add(batch);
        flight.Sent();
        flight.Sent();

        flight.Remove(batch, unsent: 3);

        flight.Room.ShouldBe(8);
    }
}
