using System.Reflection;
using Herald.Core.Domain;
using Herald.Core.Storage;

namespace Herald.Core.Tests.Storage;

public sealed class RetentionStatusesTests
{
    private static IEnumerable<string> Constants(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!);

    [Fact]
    public void TerminalDeliveries_EveryDeliveryStatus_ListedExactlyWhenTerminal()
    {
        var terminal = Constants(typeof(DeliveryStatus)).Where(DeliveryStatus.IsTerminal);

        RetentionStatuses.TerminalDeliveries.ShouldBe(terminal, ignoreOrder: true);
    }

    [Fact]
    public void TerminalNotifications_PendingStatuses_NeverListed()
    {
        RetentionStatuses.TerminalNotifications.ShouldBe(
            [NotificationStatus.Completed, NotificationStatus.Cancelled, NotificationStatus.Expired, NotificationStatus.Digested], ignoreOrder: true);
        RetentionStatuses.TerminalNotifications.ShouldNotContain(NotificationStatus.Scheduled);
        RetentionStatuses.TerminalNotifications.ShouldNotContain(NotificationStatus.Paused);
    }

    [Fact]
    public void IdBound_IdMadeBeforeAndAfter_SortBelowAndAbove()
    {
        var at = new DateTimeOffset(2020, 1, 15, 0, 0, 0, TimeSpan.Zero);
        var bound = RetentionStatuses.IdBound("ntf", at);

        string.CompareOrdinal(Herald.Core.Pipeline.Ids.New("ntf", at.AddMilliseconds(-1)), bound).ShouldBeLessThan(0);
        string.CompareOrdinal(Herald.Core.Pipeline.Ids.New("ntf", at), bound).ShouldBeGreaterThan(0);
    }
}
