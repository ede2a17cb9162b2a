namespace Herald.Core.Workers;

/// <summary>
/// The pause after a failed round: <see cref="First"/> after one failure, doubling with each further failure in a row up
/// to <see cref="Max"/>; a round that succeeds starts it over. <see cref="Constant"/> pauses the same after every failure.
/// </summary>
public readonly record struct WorkerBackoff(TimeSpan First, TimeSpan Max)
{
    /// <summary>The same pause after every failure (the worker's own interval, usually).</summary>
    public static WorkerBackoff Constant(TimeSpan pause) => new(pause, pause);

    /// <summary>The pause after <paramref name="failures"/> failed rounds in a row (1 for the first).</summary>
    public TimeSpan After(int failures)
    {
        var pause = First;
        for (var i = 1; i < failures && pause < Max; i++)
        {
            pause = pause.Ticks > Max.Ticks / 2 ? Max : pause * 2;
        }

        return pause < Max ? pause : Max;
    }
}
