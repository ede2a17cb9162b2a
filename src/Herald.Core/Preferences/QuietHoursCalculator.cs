namespace Herald.Core.Preferences;

/// <summary>
/// Decides whether an instant falls inside a recipient's <see cref="QuietHours"/> and, if so, when the window ends.
/// The window is read on the local wall clock of its IANA time zone, so it follows daylight saving time.
/// </summary>
public static class QuietHoursCalculator
{
    // Wider than any UTC offset (-12h..+14h), so a local time's instant always lies within this distance.
    private static readonly TimeSpan SearchSpan = TimeSpan.FromHours(18);

    /// <summary>
    /// Returns null when <paramref name="now"/> is outside the window, else the UTC instant of the next local
    /// <see cref="QuietHours.End"/> after <paramref name="now"/>. Start == End is an empty window: never quiet.
    /// An end time inside a spring-forward gap resolves to the first instant after the gap; an ambiguous end time
    /// (fall back) resolves to the earlier of its two instants that is still after <paramref name="now"/>.
    /// </summary>
    /// <exception cref="TimeZoneNotFoundException">The time zone id is unknown.</exception>
    public static DateTimeOffset? DeferUntil(QuietHours quietHours, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(quietHours);
        if (quietHours.Start == quietHours.End)
        {
            return null;
        }

        var zone = TimeZoneInfo.FindSystemTimeZoneById(quietHours.TimeZone);
        var local = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        var time = TimeOnly.FromDateTime(local);
        var overnight = quietHours.End < quietHours.Start;
        var inside = overnight
            ? time >= quietHours.Start || time < quietHours.End
            : time >= quietHours.Start && time < quietHours.End;
        if (!inside)
        {
            return null;
        }

        var endDate = DateOnly.FromDateTime(local);
        if (overnight && time >= quietHours.Start)
        {
            endDate = endDate.AddDays(1);
        }

        // A repeated (fall back) hour can put today's end behind us; the next day's end is then the answer.
        for (var day = 0; day < 2; day++)
        {
            var end = FirstInstantAfter(endDate.AddDays(day).ToDateTime(quietHours.End), zone, now);
            if (end is not null)
            {
                return end;
            }
        }

        throw new InvalidOperationException($"No end of quiet hours found after {now:O} in {quietHours.TimeZone}.");
    }

    /// <summary>Finds a system time zone by IANA (or Windows) id without throwing.</summary>
    public static bool TryFindTimeZone(string id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id))
        {
            return false;
        }

        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (TimeZoneNotFoundException)
        {
            return false;
        }
        catch (InvalidTimeZoneException)
        {
            return false;
        }
    }

    /// <summary>
    /// The instant of a local wall-clock time: a time skipped by a spring-forward gap resolves to the end of the gap, an
    /// ambiguous (fall-back) time to the earlier of its two instants.
    /// </summary>
    public static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            return EndOfGap(local, zone);
        }

        if (zone.IsAmbiguousTime(local))
        {
            return zone.GetAmbiguousTimeOffsets(local).Select(offset => new DateTimeOffset(local - offset, TimeSpan.Zero)).Min();
        }

        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
    }

    private static DateTimeOffset? FirstInstantAfter(DateTime localEnd, TimeZoneInfo zone, DateTimeOffset now)
    {
        if (zone.IsInvalidTime(localEnd))
        {
            var afterGap = EndOfGap(localEnd, zone);
            return afterGap > now ? afterGap : null;
        }

        if (zone.IsAmbiguousTime(localEnd))
        {
            return zone.GetAmbiguousTimeOffsets(localEnd)
                .Select(offset => new DateTimeOffset(localEnd - offset, TimeSpan.Zero))
                .Order()
                .Cast<DateTimeOffset?>()
                .FirstOrDefault(instant => instant > now);
        }

        var utc = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(localEnd, zone), TimeSpan.Zero);
        return utc > now ? utc : null;
    }

    // The first instant whose local wall clock reaches the skipped local time is the transition itself.
    // Binary search over ticks: the local clock rises monotonically across a gap within the search span.
    private static DateTimeOffset EndOfGap(DateTime localInGap, TimeZoneInfo zone)
    {
        var target = DateTime.SpecifyKind(localInGap, DateTimeKind.Utc);
        var low = (target - SearchSpan).Ticks;
        var high = (target + SearchSpan).Ticks;
        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            var instant = new DateTime(mid, DateTimeKind.Utc);
            if (instant + zone.GetUtcOffset(instant) >= target)
            {
                high = mid;
            }
            else
            {
                low = mid + 1;
            }
        }

        return new DateTimeOffset(low, TimeSpan.Zero);
    }
}
