using Herald.Core.Pipeline;

namespace Herald.Core.Workers;

/// <summary>
/// What a worker's round asks of its loop: how long to pause before the next round, and optionally a wake-up (an armed
/// <see cref="Signals"/> wake-up) that starts it early. A pause of zero starts the next round at once (there is more work).
/// </summary>
public readonly record struct NextRound
{
    private NextRound(TimeSpan after, Task? wakeUp)
    {
        After = after;
        WakeUp = wakeUp;
    }

    /// <summary>The longest pause before the next round.</summary>
    public TimeSpan After { get; }

    /// <summary>Completes to end the pause early; null waits the whole pause.</summary>
    public Task? WakeUp { get; }

    /// <summary>The next round at once: the last one left work behind.</summary>
    public static NextRound Now => default;

    /// <summary>The next round after <paramref name="after"/>.</summary>
    public static NextRound In(TimeSpan after) => new(after, null);

    /// <summary>The next round when <paramref name="wakeUp"/> completes (armed before looking, so a signal sent meanwhile counts), at the latest after <paramref name="after"/>.</summary>
    public static NextRound InOrWhenWoken(TimeSpan after, Task wakeUp)
    {
        ArgumentNullException.ThrowIfNull(wakeUp);
        return new(after, wakeUp);
    }

    internal Task WaitAsync(TimeProvider time, CancellationToken ct) =>
        WakeUp is { } wakeUp ? Signals.WaitAsync(wakeUp, After, time, ct)
        : After > TimeSpan.Zero ? Task.Delay(After, time, ct)
        : Task.CompletedTask;
}
