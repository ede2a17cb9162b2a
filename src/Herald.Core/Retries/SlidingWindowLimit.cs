namespace Herald.Core.Retries;

/// <summary>
/// A sliding-window send limit (per user and channel rate limits such as push 30/h or email 50/day, and daily
/// frequency caps). The window at instant t is (t - window, t].
/// </summary>
internal static class SlidingWindowLimit
{
    /// <summary>
    /// Returns null when fewer than <paramref name="limit"/> of <paramref name="recentSendsAscending"/> fall in
    /// (now - window, now]; otherwise the instant at which enough of the oldest counted sends have left the window
    /// that one more send keeps the count within the limit (at exactly the limit: the oldest counted send + window).
    /// Sends outside the window, including any after <paramref name="now"/>, are ignored.
    /// </summary>
    public static DateTimeOffset? DeferUntil(
        IReadOnlyList<DateTimeOffset> recentSendsAscending,
        int limit,
        TimeSpan window,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(recentSendsAscending);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);

        var windowStart = now - window;
        var counted = recentSendsAscending.Where(sent => sent > windowStart && sent <= now).ToList();
        if (counted.Count < limit)
        {
            return null;
        }

        // Sending at t needs at most limit - 1 earlier sends in (t - window, t]; counted[Count - limit] is the last
        // one that must leave, and it leaves the half-open window exactly at its timestamp + window.
        return counted[counted.Count - limit] + window;
    }
}
