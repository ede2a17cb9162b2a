using Herald.Core.Digests;
using Herald.Core.Domain;
using Herald.Core.Lifecycle;
using Herald.Core.Templates;
using Microsoft.Extensions.Hosting;

namespace Herald.Core.Pipeline.Cluster;

/// <summary>
/// Turns signals from other processes into this process's own wake-ups and cache invalidations: lanes, planners, the
/// relay and feed streams wait on <see cref="Signals"/> as they do in one process; caches drop the entry named.
/// </summary>
internal sealed class ClusterSignalRouter(IClusterSignals cluster, Signals signals, TemplateCatalog templates, DigestRules digestRules,
    OperationalSubscribers operational, TemplateLibraries libraries) : IHostedService
{
    private readonly Lock _lock = new();
    private List<IDisposable> _subscriptions = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var subscriptions = new List<IDisposable>();
        subscriptions.Add(cluster.Subscribe(ClusterTopics.Template, key =>
        {
            if (key is null)
            {
                templates.Clear();
            }
            else
            {
                templates.PublishedSignal(key);
            }
        }));
        subscriptions.Add(cluster.Subscribe(ClusterTopics.TemplateLibrary, key =>
        {
            if (key is null)
            {
                libraries.Clear();
            }
            else
            {
                libraries.Changed(key);
            }
        }));
        subscriptions.Add(cluster.Subscribe(ClusterTopics.Feed, key => Wake(key is null ? null : Signals.FeedOfKey(key))));
        subscriptions.Add(cluster.Subscribe(ClusterTopics.Plan, key =>
            Wake(key is not null && int.TryParse(key, System.Globalization.CultureInfo.InvariantCulture, out var p) ? Signals.Planner((Priority)p) : null)));
        subscriptions.Add(cluster.Subscribe(ClusterTopics.Due, key =>
        {
            if (key is not null && ClusterTopics.TryParseLane(key, out var channel, out var priority))
            {
                signals.Notify(Signals.Lane(channel, priority));
                signals.Notify(Signals.Relay(priority));
            }
            else
            {
                signals.NotifyAll();
            }
        }));
        subscriptions.Add(cluster.Subscribe(ClusterTopics.DigestRules, _ => digestRules.Invalidate()));
        subscriptions.Add(cluster.Subscribe(ClusterTopics.Endpoints, _ => operational.Invalidate()));
        lock (_lock)
        {
            _subscriptions.AddRange(subscriptions);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Drops the subscriptions. The host may stop the router while it is still starting, or twice at once (a test host's
    /// dispose beside an application stop): the list is taken whole under the lock, so each is disposed once and no
    /// enumeration races an addition (CI: "Collection was modified" at a browser fixture's stop).
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        List<IDisposable> taken;
        lock (_lock)
        {
            (taken, _subscriptions) = (_subscriptions, []);
        }

        foreach (var s in taken)
        {
            s.Dispose();
        }

        return Task.CompletedTask;
    }

    private void Wake(string? key)
    {
        if (key is null)
        {
            signals.NotifyAll();
        }
        else
        {
            signals.Notify(key);
        }
    }
}
