using System.Collections.Concurrent;

namespace Herald.Core.Pipeline;

/// <summary>Which background workers have started; /readyz reports not ready until all expected ones have.</summary>
public sealed class WorkerHealth
{
    private readonly ConcurrentDictionary<string, bool> _started = new(StringComparer.Ordinal);

    public void Started(string name) => _started[name] = true;

    public bool HasStarted(string name) => _started.ContainsKey(name);
}
