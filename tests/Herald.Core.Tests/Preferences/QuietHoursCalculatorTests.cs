using Herald.Core.Preferences;

namespace Herald.Core.Tests.Preferences;

public class QuietHoursCalculatorTests
{
    private const string LosAngeles = "America/Los_Angeles";
    private const string London = "Europe/London";

    private static readonly TimeOnly TenPm = new(22, 0);
    private static readonly TimeOnly SevenAm = new(7, 0);

    private static DateTimeOffset? DeferUntil(TimeOnly start, TimeOnly end, string zone, string now) =>
        QuietHoursCalculator.DeferUntil(new QuietHours(start, end, zone), DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture));

    private static DateTimeOffset Utc(string instant) =>
        DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void DeferUntil_OvernightBeforeMidnight_ReturnsNextMorning()
    {
        // 23:00 BST on 10 June; window ends 07:00 BST on 11 June = 06:00Z.
        var until = DeferUntil(TenPm, SevenAm, London, "2026-06-10T22:00:00Z");

        until.ShouldBe(Utc("2026-06-11T06:00:00Z"));
        until!.Value.Offset.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void DeferUntil_OvernightAfterMidnight_ReturnsSameMorning()
    {
        DeferUntil(TenPm, SevenAm, London, "2026-06-11T04:00:00+01:00").ShouldBe(Utc("2026-06-11T06:00:00Z"));
    }

    [Theory]
    [InlineData("2026-06-10T12:00:00Z")]
    [InlineData("2026-06-10T20:59:59Z")]
    [InlineData("2026-06-11T06:00:00Z")]
    public void DeferUntil_OutsideOvernightWindow_ReturnsNull(string now)
    {
        DeferUntil(TenPm, SevenAm, London, now).ShouldBeNull();
    }

    [Fact]
    public void DeferUntil_ExactlyAtStart_IsInside()
    {
        DeferUntil(TenPm, SevenAm, London, "2026-06-10T21:00:00Z").ShouldBe(Utc("2026-06-11T06:00:00Z"));
    }

    [Fact]
    public void DeferUntil_DaytimeWindow_ReturnsEndSameDay()
    {
        var start = new TimeOnly(9, 0);
        var end = new TimeOnly(17, 30);

        DeferUntil(start, end, LosAngeles, "2026-07-01T16:00:00Z").ShouldBe(Utc("2026-07-02T00:30:00Z"));
        DeferUntil(start, end, LosAngeles, "2026-07-01T15:59:00Z").ShouldBeNull();
    }

    [Theory]
    [InlineData("2026-06-10T12:00:00Z")]
    [InlineData("2026-06-10T23:30:00Z")]
    public void DeferUntil_StartEqualsEnd_IsEmptyWindow(string now)
    {
        DeferUntil(TenPm, TenPm, London, now).ShouldBeNull();
    }

    [Fact]
    public void DeferUntil_LosAngelesOvernightAcrossSpringForward_UsesDaylightOffsetAtEnd()
    {
        // 23:00 PST on 7 March; 07:00 on 8 March is PDT (-07:00) = 14:00Z, not 15:00Z.
        DeferUntil(TenPm, SevenAm, LosAngeles, "2026-03-08T07:00:00Z").ShouldBe(Utc("2026-03-08T14:00:00Z"));
    }

    [Fact]
    public void DeferUntil_LosAngelesEndInSpringForwardGap_ReturnsFirstInstantAfterGap()
    {
        // 01:45 PST; 02:30 does not exist on 8 March, clocks jump from 02:00 PST to 03:00 PDT = 10:00Z.
        DeferUntil(new TimeOnly(1, 30), new TimeOnly(2, 30), LosAngeles, "2026-03-08T09:45:00Z")
            .ShouldBe(Utc("2026-03-08T10:00:00Z"));
    }

    [Fact]
    public void DeferUntil_LosAngelesAfterSpringForwardGap_ReturnsNull()
    {
        // 03:10 PDT is past the 01:30-02:30 window even though only 40 real minutes passed since 01:30 PST.
        DeferUntil(new TimeOnly(1, 30), new TimeOnly(2, 30), LosAngeles, "2026-03-08T10:10:00Z").ShouldBeNull();
    }

    [Fact]
    public void DeferUntil_LosAngelesOvernightAcrossFallBack_UsesStandardOffsetAtEnd()
    {
        // 23:00 PDT on 31 October; 07:00 on 1 November is PST (-08:00) = 15:00Z.
        DeferUntil(TenPm, SevenAm, LosAngeles, "2026-11-01T06:00:00Z").ShouldBe(Utc("2026-11-01T15:00:00Z"));
    }

    [Fact]
    public void DeferUntil_LosAngelesAmbiguousEnd_ReturnsEarlierInstant()
    {
        // 00:45 PDT; 01:30 happens twice on 1 November, first at 01:30 PDT = 08:30Z.
        DeferUntil(new TimeOnly(0, 30), new TimeOnly(1, 30), LosAngeles, "2026-11-01T07:45:00Z")
            .ShouldBe(Utc("2026-11-01T08:30:00Z"));
    }

    [Fact]
    public void DeferUntil_LosAngelesInRepeatedHourAfterEarlierEndPassed_ReturnsLaterInstant()
    {
        // 01:15 PST (second pass through 01:xx); 01:30 PDT is behind us, 01:30 PST = 09:30Z is next.
        DeferUntil(new TimeOnly(0, 30), new TimeOnly(1, 30), LosAngeles, "2026-11-01T09:15:00Z")
            .ShouldBe(Utc("2026-11-01T09:30:00Z"));
    }

    [Fact]
    public void DeferUntil_LondonEndInSpringForwardGap_ReturnsFirstInstantAfterGap()
    {
        // 00:45 GMT on 29 March; 01:30 does not exist, clocks jump from 01:00 GMT to 02:00 BST = 01:00Z.
        DeferUntil(new TimeOnly(0, 30), new TimeOnly(1, 30), London, "2026-03-29T00:45:00Z")
            .ShouldBe(Utc("2026-03-29T01:00:00Z"));
    }

    [Fact]
    public void DeferUntil_LondonOvernightAcrossSpringForward_UsesSummerOffsetAtEnd()
    {
        // 23:00 GMT on 28 March; 07:00 BST on 29 March = 06:00Z.
        DeferUntil(TenPm, SevenAm, London, "2026-03-28T23:00:00Z").ShouldBe(Utc("2026-03-29T06:00:00Z"));
    }

    [Fact]
    public void DeferUntil_LondonAmbiguousEndAcrossFallBack_ReturnsEarlierInstant()
    {
        // 23:00 BST on 24 October; 01:30 on 25 October happens at 00:30Z (BST) and 01:30Z (GMT).
        DeferUntil(TenPm, new TimeOnly(1, 30), London, "2026-10-24T22:00:00Z").ShouldBe(Utc("2026-10-25T00:30:00Z"));
    }

    [Fact]
    public void DeferUntil_LondonOvernightAcrossFallBack_UsesWinterOffsetAtEnd()
    {
        // 23:00 BST on 24 October; 07:00 GMT on 25 October = 07:00Z.
        DeferUntil(TenPm, SevenAm, London, "2026-10-24T22:00:00Z").ShouldBe(Utc("2026-10-25T07:00:00Z"));
    }

    [Fact]
    public void DeferUntil_UnknownZone_Throws()
    {
        Should.Throw<TimeZoneNotFoundException>(() => DeferUntil(TenPm, SevenAm, "Mars/Olympus_Mons", "2026-06-10T22:00:00Z"));
    }

    [Theory]
    [InlineData(LosAngeles, true)]
    [InlineData(London, true)]
    [InlineData("UTC", true)]
    [InlineData("Mars/Olympus_Mons", false)]
    [InlineData("", false)]
    public void TryFindTimeZone_Id_ReportsWhetherFound(string id, bool expected)
    {
        QuietHoursCalculator.TryFindTimeZone(id, out var zone).ShouldBe(expected);
        if (expected)
        {
            zone.Id.ShouldBe(id);
        }
    }
}
