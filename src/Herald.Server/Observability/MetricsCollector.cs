using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using Herald.Core.Observability;

namespace Herald.Server.Observability;

/// <summary>
/// Aggregates measurements for <c>/metrics</c> with a <see cref="MeterListener"/>: Herald's meter and ASP.NET Core's
/// request meter of this host (meters made by this container's <see cref="IMeterFactory"/>, so two hosts in one test
/// process never mix), and the runtime's <c>System.Runtime</c> meter. Counters keep a running sum, gauges their last
/// value, histograms cumulative buckets (the instrument's advised boundaries). Observable instruments are read at scrape.
/// </summary>
internal sealed class MetricsCollector : IDisposable
{
    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
    private static readonly HashSet<string> ScopedMeters = [HeraldMetrics.MeterName, "Microsoft.AspNetCore.Hosting"];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, InstrumentState> _instruments = new();
    private readonly object _scrape = new();

    public MetricsCollector(IMeterFactory factory, HeraldMetrics herald)
    {
        ArgumentNullException.ThrowIfNull(herald);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            var mine = ScopedMeters.Contains(instrument.Meter.Name) && ReferenceEquals(instrument.Meter.Scope, factory);
            if (mine || instrument.Meter.Name == "System.Runtime")
            {
                var state = _instruments.GetOrAdd(instrument, i => new InstrumentState(i));
                listener.EnableMeasurementEvents(instrument, state);
            }
        };
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments and writes every series in the text exposition format.</summary>
    public string Scrape()
    {
        var o = new StringBuilder(16 * 1024);
        lock (_scrape)
        {
            foreach (var state in _instruments.Values.Where(s => s.Observable))
            {
                state.Clear();
            }

            _listener.RecordObservableInstruments();
            foreach (var state in _instruments.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
            {
                state.Write(o);
            }
        }

        ProcessMetrics.Write(o);
        return o.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private sealed class InstrumentState
    {
        private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, Series> _byLabels = new(StringComparer.Ordinal);
        private readonly Kind _kind;
        private readonly double[] _bounds = [];
        private readonly string? _help;
        private readonly bool _accumulate;

        public InstrumentState(Instrument instrument)
        {
            _help = instrument.Description;
            var type = instrument.GetType().GetGenericTypeDefinition();
            Observable = instrument.IsObservable;
            _kind = type == typeof(Counter<>) || type == typeof(ObservableCounter<>) ? Kind.Counter
                : type == typeof(Histogram<>) ? Kind.Histogram
                : Kind.Gauge;
            // Synchronous counters and up-down counters report increments; observable ones and gauges report the value.
            _accumulate = type == typeof(Counter<>) || type == typeof(UpDownCounter<>);
            if (_kind == Kind.Histogram)
            {
                _bounds = instrument switch
                {
                    Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray() ?? DefaultBuckets,
                    Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray() ?? DefaultBuckets,
                    Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray() ?? DefaultBuckets,
                    _ => DefaultBuckets,
                };
            }

            Name = PrometheusText.MetricName(instrument.Name, instrument.Unit, _kind == Kind.Counter);
        }

        private enum Kind
        {
            Counter,
            Gauge,
            Histogram,
        }

        public string Name { get; }

        public bool Observable { get; }

        public void Clear()
        {
            _series.Clear();
            _byLabels.Clear();
        }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            // The hot path (several measurements per delivery and per request): one string for the look-up, no sort; the
            // sorted label array is built only when a series is new.
            var key = Key(tags);
            if (!_series.TryGetValue(key, out var series))
            {
                // Keyed again by the rendered labels, so the same labels given in another order share one series.
                var labels = Labels(tags);
                series = _byLabels.GetOrAdd(PrometheusText.Labels(labels), _ => new Series(labels, _kind == Kind.Histogram ? _bounds.Length + 1 : 0));
                _series.TryAdd(key, series);
            }

            lock (series)
            {
                if (_kind == Kind.Histogram)
                {
                    series.Count++;
                    series.Value += value;
                    var i = Array.BinarySearch(_bounds, value);
                    series.Buckets![i >= 0 ? i : ~i]++;
                }
                else
                {
                    series.Value = _accumulate ? series.Value + value : value;
                }
            }
        }

        public void Write(StringBuilder o)
        {
            if (_byLabels.IsEmpty)
            {
                return;
            }

            PrometheusText.Help(o, Name, _help);
            PrometheusText.Type(o, Name, _kind switch { Kind.Counter => "counter", Kind.Histogram => "histogram", _ => "gauge" });
            foreach (var (_, series) in _byLabels.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                lock (series)
                {
                    if (_kind != Kind.Histogram)
                    {
                        PrometheusText.Sample(o, Name, PrometheusText.Labels(series.Labels), series.Value);
                        continue;
                    }

                    var baseName = Name;
                    long cumulative = 0;
                    for (var b = 0; b < _bounds.Length; b++)
                    {
                        cumulative += series.Buckets![b];
                        PrometheusText.Sample(o, baseName + "_bucket", PrometheusText.Labels(series.Labels, "le", PrometheusText.Value(_bounds[b])), cumulative);
                    }

                    PrometheusText.Sample(o, baseName + "_bucket", PrometheusText.Labels(series.Labels, "le", "+Inf"), series.Count);
                    PrometheusText.Sample(o, baseName + "_sum", PrometheusText.Labels(series.Labels), series.Value);
                    PrometheusText.Sample(o, baseName + "_count", PrometheusText.Labels(series.Labels), series.Count);
                }
            }
        }

        [ThreadStatic]
        private static StringBuilder? t_key;

        private static string Key(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length == 0)
            {
                return "";
            }

            var key = t_key ??= new StringBuilder(128);
            key.Clear();
            foreach (var (k, v) in tags)
            {
                key.Append(k).Append('\u0001').Append(v is string text ? text : Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)).Append('\u0002');
            }

            return key.ToString();
        }

        private static KeyValuePair<string, string>[] Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var labels = new KeyValuePair<string, string>[tags.Length];
            for (var i = 0; i < tags.Length; i++)
            {
                labels[i] = new(PrometheusText.LabelName(tags[i].Key), Convert.ToString(tags[i].Value, System.Globalization.CultureInfo.InvariantCulture) ?? "");
            }

            Array.Sort(labels, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            return labels;
        }
    }

    private sealed class Series(KeyValuePair<string, string>[] labels, int buckets)
    {
        public KeyValuePair<string, string>[] Labels { get; } = labels;

        public long[]? Buckets { get; } = buckets > 0 ? new long[buckets] : null;

        public double Value { get; set; }

        public long Count { get; set; }
    }
}
