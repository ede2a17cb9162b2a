using Herald.Core.Storage;

namespace Herald.Core.Templates;

/// <summary>
/// Each environment's <see cref="TemplateLibrary"/>, read from the store once and kept: a layout or partial written here
/// drops its environment's entry at once (<see cref="Changed"/>), one written in another process does through the
/// cluster signal <see cref="Pipeline.Cluster.ClusterTopics.TemplateLibrary"/>, and every entry is read again after
/// <see cref="MaxAge"/> in case a signal was lost.
/// </summary>
public sealed class TemplateLibraries(ITemplateLibraryStore store, TimeProvider time) : IDisposable
{
    /// <summary>How long an entry is used without a signal before it is read again.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _loading = new(1, 1);
    private readonly Lock _write = new();
    private volatile Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _generation;

    private sealed record Entry(TemplateLibrary Library, DateTimeOffset LoadedAt);

    public async Task<TemplateLibrary> GetAsync(string environmentId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(environmentId);
        if (_entries.GetValueOrDefault(environmentId) is { } entry && time.GetUtcNow() - entry.LoadedAt <= MaxAge)
        {
            return entry.Library;
        }

        await _loading.WaitAsync(ct);
        try
        {
            var entries = _entries;
            if (entries.GetValueOrDefault(environmentId) is { } fresh && time.GetUtcNow() - fresh.LoadedAt <= MaxAge)
            {
                return fresh.Library;
            }

            // A read that raced a change answers this call but is not kept.
            long generation;
            lock (_write)
            {
                generation = _generation;
            }

            var library = await LoadAsync(store, environmentId, ct);
            lock (_write)
            {
                if (_generation == generation)
                {
                    // Copied on write, so readers never see a dictionary being changed.
                    _entries = new Dictionary<string, Entry>(_entries, StringComparer.Ordinal) { [environmentId] = new Entry(library, time.GetUtcNow()) };
                }
            }

            return library;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>The environment's library straight from the store, for checks that must not act on a stale copy (a publish).</summary>
    public static async Task<TemplateLibrary> LoadAsync(ITemplateLibraryStore store, string environmentId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        return new TemplateLibrary(await store.ListLayoutsAsync(environmentId, ct), await store.ListPartialsAsync(environmentId, ct));
    }

    /// <summary>A layout or partial of the environment changed (here or, through the cluster signal, elsewhere).</summary>
    public void Changed(string environmentId)
    {
        lock (_write)
        {
            _generation++;
            if (_entries.ContainsKey(environmentId))
            {
                var copy = new Dictionary<string, Entry>(_entries, StringComparer.Ordinal);
                copy.Remove(environmentId);
                _entries = copy;
            }
        }
    }

    /// <summary>Signals may have been missed (the cluster listener reconnected): every environment is read again.</summary>
    public void Clear()
    {
        lock (_write)
        {
            _generation++;
            _entries = new(StringComparer.Ordinal);
        }
    }

    public void Dispose() => _loading.Dispose();
}
