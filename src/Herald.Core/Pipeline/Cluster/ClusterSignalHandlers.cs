using System.Collections.Immutable;

namespace Herald.Core.Pipeline.Cluster;

/// <summary>The subscriptions of one process, shared by every <see cref="IClusterSignals"/> implementation.</summary>
public sealed class ClusterSignalHandlers
{
    private ImmutableDictionary<string, ImmutableList<Action<string?>>> _handlers = ImmutableDictionary.Create<string, ImmutableList<Action<string?>>>(StringComparer.Ordinal);

    public IDisposable Subscribe(string topic, Action<string?> handler)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(handler);
        ImmutableInterlocked.AddOrUpdate(ref _handlers, topic, _ => [handler], (_, list) => list.Add(handler));
        return new Subscription(() => ImmutableInterlocked.AddOrUpdate(ref _handlers, topic, _ => [], (_, list) => list.Remove(handler)));
    }

    /// <summary>Calls the topic's handlers with <paramref name="key"/> (null: anything of the topic may have changed).</summary>
    public void Dispatch(string topic, string? key)
    {
        if (_handlers.TryGetValue(topic, out var list))
        {
            foreach (var handler in list)
            {
                handler(key);
            }
        }
    }

    /// <summary>Signals may have been missed: every subscriber treats everything of its topic as changed.</summary>
    public void DispatchEverything()
    {
        foreach (var (_, list) in _handlers)
        {
            foreach (var handler in list)
            {
                handler(null);
            }
        }
    }

    private sealed class Subscription(Action unsubscribe) : IDisposable
    {
        private Action? _unsubscribe = unsubscribe;

        public void Dispose() => Interlocked.Exchange(ref _unsubscribe, null)?.Invoke();
    }
}

/// <summary>One process owns the store (the embedded mode): a signal only has to reach this process.</summary>
internal sealed class InProcessClusterSignals(ClusterSignalHandlers handlers) : IClusterSignals
{
    public Task PublishAsync(string topic, string key, CancellationToken ct)
    {
        handlers.Dispatch(topic, key);
        return Task.CompletedTask;
    }

    public IDisposable Subscribe(string topic, Action<string?> handler) => handlers.Subscribe(topic, handler);
}
