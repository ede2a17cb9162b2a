using Herald.Core.Campaigns;

namespace Herald.Core.Tests.Pipeline;

public class CampaignScheduleTests
{
    private static readonly DateTimeOffset Created = new(2026, 3, 27, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Parse_Forms()
    {
        CampaignSchedule.Parse("2026-12-01T09:00:00Z", Created)!.At.ShouldBe(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        CampaignSchedule.Parse("2026-12-01T09:00 local", Created)!.LocalSpec.ShouldBe("2026-12-01T09:00 local");
        CampaignSchedule.Parse("09:00 local", Created)!.LocalSpec.ShouldBe("09:00 local");
        CampaignSchedule.Parse(null, Created)!.At.ShouldBe(Created);
        CampaignSchedule.Parse("tomorrow", Created).ShouldBeNull();
        CampaignSchedule.Parse("25:00 local", Created).ShouldBeNull();
    }

    [Fact]
    public void DueFor_DatedLocalTime_IsNineInEachZoneAcrossTheDstChange()
    {
        // Sunday 29 March 2026: Europe/Paris moves to CEST (UTC+2) at 02:00; Tokyo has no DST (UTC+9).
        var schedule = CampaignSchedule.Parse("2026-03-29T09:00 local", Created)!;

        schedule.DueFor("Europe/Paris", Created).ShouldBe(new DateTimeOffset(2026, 3, 29, 7, 0, 0, TimeSpan.Zero));
        schedule.DueFor("Asia/Tokyo", Created).ShouldBe(new DateTimeOffset(2026, 3, 29, 0, 0, 0, TimeSpan.Zero));
        schedule.DueFor(null, Created).ShouldBe(new DateTimeOffset(2026, 3, 29, 9, 0, 0, TimeSpan.Zero));
        schedule.DueFor("Not/AZone", Created).ShouldBe(new DateTimeOffset(2026, 3, 29, 9, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void DueFor_DailyLocalTime_IsTheNextOccurrenceAfterCreation()
    {
        // Created at 12:00 UTC on 27 March: 13:00 in Paris (09:00 passed: next day), 21:00 in Tokyo (next day), 08:00 in New York (today).
        var schedule = CampaignSchedule.Parse("09:00 local", Created)!;

        schedule.DueFor("Europe/Paris", Created).ShouldBe(new DateTimeOffset(2026, 3, 28, 8, 0, 0, TimeSpan.Zero));
        schedule.DueFor("Asia/Tokyo", Created).ShouldBe(new DateTimeOffset(2026, 3, 28, 0, 0, 0, TimeSpan.Zero));
        schedule.DueFor("America/New_York", Created).ShouldBe(new DateTimeOffset(2026, 3, 27, 13, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void EarliestDue_DatedLocalTime_IsNineInTheFirstZone()
    {
        CampaignSchedule.Parse("2026-12-01T09:00 local", Created)!.EarliestDue(Created).ShouldBe(new DateTimeOffset(2026, 11, 30, 19, 0, 0, TimeSpan.Zero));
    }
}
