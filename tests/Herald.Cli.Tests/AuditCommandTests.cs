using Herald.Cli.Commands;

namespace Herald.Cli.Tests;

public sealed class AuditCommandTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("90s", "2026-12-07T11:58:30Z")]
    [InlineData("30m", "2026-12-07T11:30:00Z")]
    [InlineData("24h", "2026-12-06T12:00:00Z")]
    [InlineData("7d", "2026-11-30T12:00:00Z")]
    public void Time_Age_IsThatLongBeforeNow(string age, string expected)
    {
        AuditCommand.Time("--since", age, Now).ShouldBe(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Time_RfcTimeWithOffset_KeepsTheInstant()
    {
        AuditCommand.Time("--until", "2026-01-31T09:00:00+02:00", Now).ShouldBe(new DateTimeOffset(2026, 1, 31, 7, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void Time_NoOffset_IsUtc()
    {
        AuditCommand.Time("--until", "2026-01-31T09:00:00", Now).ShouldBe(new DateTimeOffset(2026, 1, 31, 9, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void Time_NotGiven_IsNull()
    {
        AuditCommand.Time("--since", " ", Now).ShouldBeNull();
    }
}
