using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Herald.Core.Observability;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Core.Tests.Observability;

/// <summary>A <see cref="HeraldMetrics"/> of its own (own meter factory) and the sums of what its counters recorded, by name and tags.</summary>
public sealed class MetricsCapture : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _sums = new(StringComparer.Ordinal);

    public MetricsCapture()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        Metrics = new HeraldMetrics(factory);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name + string.Concat(tags.ToArray().OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"|{t.Key}={t.Value}"));
            _sums.AddOrUpdate(key, value, (_, sum) => sum + value);
        });
        _listener.Start();
    }

    public HeraldMetrics Metrics { get; }

    /// <summary>The sum for an instrument and its tags written as <c>|key=value</c> in key order, e.g. <c>herald.notifications.accepted|priority=normal</c>.</summary>
    public long Sum(string key) => _sums.TryGetValue(key, out var sum) ? sum : 0;

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }
}
