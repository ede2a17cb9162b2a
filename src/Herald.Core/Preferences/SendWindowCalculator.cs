namespace Herald.Core.Preferences;

/// <summary>
/// Decides whether an instant is inside a recipient's <see cref="SendWindow"/> and, if not, when it next opens. Windows are
/// read on the local wall clock of their time zone, so they follow daylight saving time: a start inside a spring-forward
/// gap opens at the end of the gap, an ambiguous (fall-back) start opens at its earlier instant.
/// </summary>
internal static class SendWindowCalculator
{
    /// <summary>Null when <paramref name="now"/> is inside an opening (or the window has no days), else the next opening's start.</summary>
    /// <exception cref="TimeZoneNotFoundException">The time zone id is unknown.</exception>
    public static DateTimeOffset? DeferUntil(SendWindow window, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (window.Days.Count == 0 || window.Start == window.End)
        {
            return null;
        }

        var zone = TimeZoneInfo.FindSystemTimeZoneById(window.TimeZone);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        var overnight = window.End < window.Start;
        DateTimeOffset? next = null;
        // Yesterday's opening can still be running past midnight; a week ahead always holds the next opening.
        for (var day = -1; day <= 7; day++)
        {
            var date = today.AddDays(day);
            if (!window.Days.Contains(date.DayOfWeek))
            {
                continue;
            }

            var start = QuietHoursCalculator.ToInstant(date.ToDateTime(window.Start), zone);
            var end = QuietHoursCalculator.ToInstant((overnight ? date.AddDays(1) : date).ToDateTime(window.End), zone);
            if (start <= now && now < end)
            {
                return null;
            }

            if (start > now && (next is null || start < next))
            {
                next = start;
            }
        }

        return next;
    }
}
