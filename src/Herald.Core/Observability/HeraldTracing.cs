using System.Diagnostics;

namespace Herald.Core.Observability;

/// <summary>
/// Herald's spans (ActivitySource <c>Herald</c>). The ingest span's W3C <c>traceparent</c> is stored with the notification
/// and copied to its deliveries, so planning, the relay's publish (which puts it in the message headers) and the send
/// continue the API request's trace in whichever process runs them. A notification accepted while nobody traced
/// (no listener, or not sampled) stores nothing, and its later stages start no spans: the sampling decision is made once.
/// </summary>
public static class HeraldTracing
{
    public const string SourceName = "Herald";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The <c>traceparent</c> to store for <paramref name="activity"/>, or null when it is not recorded.</summary>
    public static string? TraceParent(Activity? activity) => activity is { Recorded: true } ? activity.Id : null;

    /// <summary>Starts a span continuing a stored or received <c>traceparent</c>; null when there is none or nobody listens.</summary>
    public static Activity? Continue(string name, ActivityKind kind, string? traceParent) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, null, isRemote: true, out var parent)
            ? Source.StartActivity(name, kind, parent)
            : null;
}
