using System.Collections.Concurrent;
using System.Diagnostics;

namespace Herald.Server.Tests.Observability;

/// <summary>
/// Records the finished spans of one trace (a trace id the test chose and sent in <c>traceparent</c>), sampling nothing
/// else, so test classes running in parallel in this process are neither recorded nor slowed.
/// </summary>
internal sealed class SpanRecorder : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _spans = new();

    public SpanRecorder()
    {
        TraceId = ActivityTraceId.CreateRandom();
        ClientSpanId = ActivitySpanId.CreateRandom();
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "Herald" or "Microsoft.AspNetCore" or "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> o) => o.TraceId == TraceId ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.None,
            ActivityStopped = a =>
            {
                if (a.TraceId == TraceId)
                {
                    _spans.Enqueue(a);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public ActivityTraceId TraceId { get; }

    /// <summary>The caller's span: the parent of the API request span.</summary>
    public ActivitySpanId ClientSpanId { get; }

    /// <summary>The header the test sends: <c>00-{trace}-{client span}-01</c>.</summary>
    public string TraceParent => $"00-{TraceId.ToHexString()}-{ClientSpanId.ToHexString()}-01";

    public IReadOnlyList<Activity> Spans => [.. _spans];

    public IReadOnlyList<Activity> Named(string name) => [.. _spans.Where(s => s.OperationName == name || s.DisplayName == name)];

    /// <summary>The single span whose parent is <paramref name="parent"/> and whose name is <paramref name="name"/>.</summary>
    public Activity ChildOf(Activity parent, string name, Func<Activity, bool>? where = null) =>
        _spans.Where(s => s.ParentSpanId == parent.SpanId && (s.OperationName == name || s.DisplayName == name) && (where?.Invoke(s) ?? true))
            .ShouldHaveSingleItem($"one {name} under {parent.OperationName}; spans: {Describe()}");

    public string Describe() => string.Join("; ", _spans.Select(s => $"{s.Source.Name}/{s.OperationName}({s.SpanId}<-{s.ParentSpanId})"));

    public void Dispose() => _listener.Dispose();
}
