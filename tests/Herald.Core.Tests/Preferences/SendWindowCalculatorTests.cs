using Herald.Core.Preferences;

namespace Herald.Core.Tests.Preferences;

public class SendWindowCalculatorTests
{
    private static readonly DayOfWeek[] Weekdays = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

    private static SendWindow Window(string zone, int start, int end, params DayOfWeek[] days) =>
        new(days.Length == 0 ? Weekdays : days, new TimeOnly(start, 0), new TimeOnly(end, 0), zone);

    private static DateTimeOffset Utc(int year, int month, int day, int hour, int minute = 0) => new(year, month, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void DeferUntil_InsideWindow_ReturnsNull()
    {
        // Wednesday 13 May 2026, 12:00 BST.
        SendWindowCalculator.DeferUntil(Window("Europe/London", 8, 20), Utc(2026, 5, 13, 11)).ShouldBeNull();
    }

    [Fact]
    public void DeferUntil_AtEnd_IsOutsideAndOpensNextMorning()
    {
        // Wednesday 20:00 BST is the (exclusive) end; Thursday 08:00 BST = 07:00 UTC.
        SendWindowCalculator.DeferUntil(Window("Europe/London", 8, 20), Utc(2026, 5, 13, 19)).ShouldBe(Utc(2026, 5, 14, 7));
    }

    [Fact]
    public void DeferUntil_BeforeOpening_OpensSameDay()
    {
        SendWindowCalculator.DeferUntil(Window("Europe/London", 8, 20), Utc(2026, 5, 13, 5)).ShouldBe(Utc(2026, 5, 13, 7));
    }

    [Fact]
    public void DeferUntil_FridayEvening_OpensMonday()
    {
        // Friday 15 May 2026, 21:00 in New York (EDT, UTC-4) → Monday 18 May 08:00 EDT = 12:00 UTC.
        SendWindowCalculator.DeferUntil(Window("America/New_York", 8, 20), Utc(2026, 5, 16, 1)).ShouldBe(Utc(2026, 5, 18, 12));
    }

    [Fact]
    public void DeferUntil_WeekendOpeningAcrossSpringForward_UsesTheNewOffset()
    {
        // Saturday 28 March 2026 in Berlin (CET, UTC+1); clocks go forward on Sunday 29 March. Monday 30 March 08:00 CEST = 06:00 UTC.
        SendWindowCalculator.DeferUntil(Window("Europe/Berlin", 8, 20), Utc(2026, 3, 28, 12)).ShouldBe(Utc(2026, 3, 30, 6));
    }

    [Fact]
    public void DeferUntil_OpeningAcrossFallBack_UsesTheNewOffset()
    {
        // Saturday 24 October 2026 in Berlin (CEST); clocks go back on Sunday 25 October. Monday 26 October 08:00 CET = 07:00 UTC.
        SendWindowCalculator.DeferUntil(Window("Europe/Berlin", 8, 20), Utc(2026, 10, 24, 12)).ShouldBe(Utc(2026, 10, 26, 7));
    }

    [Fact]
    public void DeferUntil_StartInsideSpringForwardGap_OpensAtEndOfGap()
    {
        // Sunday 29 March 2026: 02:00–03:00 does not exist in Berlin; a 02:30 opening opens at 03:00 CEST = 01:00 UTC.
        var window = new SendWindow([DayOfWeek.Sunday], new TimeOnly(2, 30), new TimeOnly(10, 0), "Europe/Berlin");

        SendWindowCalculator.DeferUntil(window, Utc(2026, 3, 28, 23)).ShouldBe(Utc(2026, 3, 29, 1));
    }

    [Fact]
    public void DeferUntil_OvernightWindowAfterMidnight_IsInside()
    {
        // Friday 22:00 → Saturday 02:00; Saturday 01:00 UTC (London, GMT in January) is inside Friday's opening.
        var window = new SendWindow([DayOfWeek.Friday], new TimeOnly(22, 0), new TimeOnly(2, 0), "Europe/London");

        SendWindowCalculator.DeferUntil(window, Utc(2026, 1, 10, 1)).ShouldBeNull();
        SendWindowCalculator.DeferUntil(window, Utc(2026, 1, 10, 3)).ShouldBe(Utc(2026, 1, 16, 22));
    }

    [Fact]
    public void DeferUntil_NoDays_NeverDefers()
    {
        SendWindowCalculator.DeferUntil(new SendWindow([], new TimeOnly(8, 0), new TimeOnly(9, 0), "UTC"), Utc(2026, 1, 1, 12)).ShouldBeNull();
    }
}
