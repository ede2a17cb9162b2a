using System.Collections.Concurrent;

namespace Herald.Core.Pipeline;

/// <summary>
/// In-process wake-ups keyed by name (a lane, a planner priority, a user's feed). They carry no work: the store does.
/// A missed signal costs at most one poll interval.
/// </summary>
public sealed class Signals
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);

    public void Notify(string key)
    {
        if (_waiters.TryRemove(key, out var tcs))
        {
            tcs.TrySetResult();
        }
    }

    /// <summary>Completes when <see cref="Notify"/> is called for the key, the timeout passes, or <paramref name="ct"/> fires.</summary>
    public async Task WaitAsync(string key, TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        var tcs = _waiters.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            await tcs.Task.WaitAsync(timeout, time, ct);
        }
        catch (TimeoutException)
        {
            // A quiet period: the caller looks at the store again.
        }
    }

    public static string Lane(Domain.Channel channel, Domain.Priority priority) => $"lane:{(int)channel}:{(int)priority}";

    public static string Planner(Domain.Priority priority) => $"plan:{(int)priority}";

    public static string Feed(string userId) => "feed:" + userId;
}
