namespace Herald.Core.Domain;

/// <summary>
/// The one name of each outcome kind: stored as an attempt's <c>outcome</c>, set on traces, and (through
/// <see cref="MetricLabel"/>) the <c>outcome</c> label of the delivery and provider metrics. Besides the kinds of
/// <see cref="DeliveryOutcome"/>, settlement records <see cref="Throttled"/> and the store <see cref="Unstorable"/>.
/// </summary>
public static class OutcomeKind
{
    public const string Sent = "sent";
    public const string Retry = "retry";
    public const string Rejected = "rejected";
    public const string InvalidTarget = "invalidtarget";
    public const string Misconfigured = "misconfigured";
    public const string Held = "held";
    public const string Unknown = "unknown";

    /// <summary>Deferred because no provider had room: the store gives the claim's attempt back.</summary>
    public const string Throttled = "throttled";

    /// <summary>A completion the store refused, written as failed instead (see <c>DeliveryCompletion.Unstorable</c>).</summary>
    public const string Unstorable = "unstorable";

    /// <summary>Every kind an attempt can record.</summary>
    public static readonly IReadOnlyList<string> All = [Sent, Retry, Throttled, Rejected, InvalidTarget, Misconfigured, Held, Unknown, Unstorable];

    /// <summary>
    /// The metric label of a kind: the kind itself, except that invalid targets were labelled <c>invalid_target</c> before
    /// the stored name was fixed, and dashboards and alerts read that label.
    /// </summary>
    public static string MetricLabel(string kind) => kind == InvalidTarget ? "invalid_target" : kind;
}
