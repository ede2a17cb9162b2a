using System.Collections.ObjectModel;

namespace Herald.Core.Retries;

/// <summary>
/// Delays between delivery attempts that span minutes or restarts (persisted, not in-process). Delays[i] follows
/// the (i+1)th failed attempt; once every delay is used the delivery is exhausted and goes to the dead letter.
/// With <paramref name="FullJitter"/> each delay is drawn uniformly from [0, Delays[i]]; otherwise it is Delays[i]
/// scaled by a uniform factor in [0.9, 1.1] so that retries of one burst do not arrive in lockstep.
/// </summary>
public sealed record RetrySchedule(IReadOnlyList<TimeSpan> Delays, bool FullJitter)
{
    private const double SmallJitter = 0.1;

    /// <summary>The Standard Webhooks (Svix) schedule after the first failure: 5s, 5m, 30m, 2h, 5h, 10h, 10h.</summary>
    public static RetrySchedule StandardWebhooks { get; } = new(
        ReadOnly(
        [
            TimeSpan.FromSeconds(5),
            TimeSpan.FromMinutes(5),
            TimeSpan.FromMinutes(30),
            TimeSpan.FromHours(2),
            TimeSpan.FromHours(5),
            TimeSpan.FromHours(10),
            TimeSpan.FromHours(10),
        ]),
        FullJitter: false);

    /// <summary>
    /// The delay before the next attempt, given how many attempts have already failed (1 after the first failure);
    /// null when the schedule is exhausted.
    /// </summary>
    public TimeSpan? NextDelay(int failedAttempts, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        ArgumentNullException.ThrowIfNull(random);
        if (failedAttempts > Delays.Count)
        {
            return null;
        }

        var cap = Delays[failedAttempts - 1];
        var factor = FullJitter
            ? random.NextDouble()
            : 1 - SmallJitter + (2 * SmallJitter * random.NextDouble());
        return TimeSpan.FromTicks((long)(cap.Ticks * factor));
    }

    /// <summary><paramref name="retries"/> delays of initial·2^n, each capped at <paramref name="max"/>, with full jitter.</summary>
    public static RetrySchedule Exponential(TimeSpan initial, TimeSpan max, int retries)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(initial, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, initial);
        ArgumentOutOfRangeException.ThrowIfNegative(retries);

        var delays = new TimeSpan[retries];
        var next = initial;
        for (var i = 0; i < retries; i++)
        {
            delays[i] = next;
            next = next.Ticks > max.Ticks / 2 ? max : next * 2;
        }

        return new RetrySchedule(ReadOnly(delays), FullJitter: true);
    }

    /// <summary>Parses a configuration list such as "5s,5m,30m,2h" (units ms, s, m, h, d) without full jitter.</summary>
    /// <exception cref="FormatException">An item is empty, negative, not a whole number or has an unknown unit.</exception>
    public static RetrySchedule Parse(string spec) => Parse(spec, fullJitter: false);

    /// <summary>Parses a configuration list such as "5s,5m,30m,2h" (units ms, s, m, h, d).</summary>
    /// <exception cref="FormatException">An item is empty, negative, not a whole number or has an unknown unit.</exception>
    public static RetrySchedule Parse(string spec, bool fullJitter)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var items = spec.Split(',', StringSplitOptions.TrimEntries);
        return new RetrySchedule(ReadOnly([.. items.Select(RetryDelayFormat.ParseItem)]), fullJitter);
    }

    private static ReadOnlyCollection<TimeSpan> ReadOnly(TimeSpan[] delays) => Array.AsReadOnly(delays);
}
