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

    /// <summary>Wakes every waiter: signals may have been missed (a cluster listener reconnected), so all look again.</summary>
    public void NotifyAll()
    {
        foreach (var key in _waiters.Keys)
        {
            Notify(key);
        }
    }

    /// <summary>Completes when <see cref="Notify"/> is called for the key, the timeout passes, or <paramref name="ct"/> fires.</summary>
    public Task WaitAsync(string key, TimeSpan timeout, TimeProvider time, CancellationToken ct) => WaitAsync(Arm(key), timeout, time, ct);

    /// <summary>
    /// The wake-up the next <see cref="Notify"/> of the key completes. Taken before looking at the store and awaited after
    /// (<see cref="WaitAsync(Task, TimeSpan, TimeProvider, CancellationToken)"/>), it also catches a signal sent while looking.
    /// </summary>
    public Task Arm(string key) => _waiters.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Completes when <paramref name="armed"/> does, the timeout passes, or <paramref name="ct"/> fires.</summary>
    public static async Task WaitAsync(Task armed, TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(armed);
        // A quiet period ends the wait without an exception: at idle every lane and worker times out about once a second,
        // and thrown timeouts were most of a quiet server's dotnet_exceptions_total (and its CPU for them).
        await armed.WaitAsync(timeout, time, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        ct.ThrowIfCancellationRequested();
    }

    public static string Lane(Domain.Channel channel, Domain.Priority priority) => $"lane:{(int)channel}:{(int)priority}";

    public static string Planner(Domain.Priority priority) => $"plan:{(int)priority}";

    /// <summary>A user's feed changed: the user of one environment (the same id elsewhere is another user's feed).</summary>
    public static string Feed(string environmentId, string userId) => "feed:" + FeedKey(environmentId, userId);

    /// <summary>What a feed change is called between processes (the cluster signal's key): environment and user.</summary>
    public static string FeedKey(string environmentId, string userId) => environmentId + ":" + userId;

    /// <summary>The in-process signal for a feed key a cluster signal carried (<see cref="FeedKey"/>).</summary>
    public static string FeedOfKey(string key) => "feed:" + key;

    /// <summary>The distributed relay of one priority's lanes: deliveries became due (or due later than it knew).</summary>
    public static string Relay(Domain.Priority priority) => RelayKeys[(int)priority];

    private static readonly string[] RelayKeys = [.. Enum.GetValues<Domain.Priority>().Select(p => $"relay:{(int)p}")];
}
