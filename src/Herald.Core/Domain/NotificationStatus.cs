namespace Herald.Core.Domain;

/// <summary>
/// A notification's states and their named sets, shaped like <see cref="DeliveryStatus"/> (see there why strings): the
/// constants are the wire and stored strings, <see cref="Sql"/> renders the sets for store SQL at compile time.
/// </summary>
public static class NotificationStatus
{
    public const string Accepted = "accepted";
    public const string Scheduled = "scheduled";
    public const string Planning = "planning";
    public const string Processing = "processing";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";
    public const string Expired = "expired";

    /// <summary>Recorded into a digest instead of being sent on its own.</summary>
    public const string Digested = "digested";

    /// <summary>A campaign's notification held while its campaign is paused.</summary>
    public const string Paused = "paused";

    /// <summary>Its plan could not be stored (the trace says why); nothing is sent.</summary>
    public const string Failed = "failed";

    /// <summary>Every status, in the order of the state machine: the API's allowed values and the OpenAPI enum.</summary>
    public static readonly IReadOnlyList<string> All = [Accepted, Scheduled, Paused, Planning, Processing, Completed, Cancelled, Expired, Digested, Failed];

    /// <summary>Waiting for the planner once due.</summary>
    public static readonly IReadOnlyList<string> Plannable = [Accepted, Scheduled];

    /// <summary>Leased by a planner (a store that locks the rows it plans instead never shows it).</summary>
    public static readonly IReadOnlyList<string> BeingPlanned = [Planning];

    /// <summary>Not planned yet (so it has no deliveries): cancelling it cancels it outright.</summary>
    public static readonly IReadOnlyList<string> Unplanned = [Accepted, Scheduled, Planning];

    /// <summary>Not planned yet, a paused campaign's included: what cancelling a campaign cancels.</summary>
    public static readonly IReadOnlyList<string> UnplannedOrPaused = [Accepted, Scheduled, Paused, Planning];

    /// <summary>Planned: its status follows its deliveries (processing while one is pending, then completed).</summary>
    public static readonly IReadOnlyList<string> Planned = [Processing, Completed];

    /// <summary>After these nothing more happens to a notification (retention may remove it).</summary>
    public static readonly IReadOnlyList<string> Terminal = [Completed, Cancelled, Expired, Digested];

    public static bool IsKnown(string status) =>
        status is Accepted or Scheduled or Paused or Planning or Processing or Completed or Cancelled or Expired or Digested or Failed;

    /// <summary>The sets above as SQL list literals, <c>('a', 'b')</c>, for <c>status IN …</c>.</summary>
    public static class Sql
    {
        public const string Plannable = $"('{Accepted}', '{Scheduled}')";
        public const string BeingPlanned = $"('{Planning}')";
        public const string Unplanned = $"('{Accepted}', '{Scheduled}', '{Planning}')";
        public const string UnplannedOrPaused = $"('{Accepted}', '{Scheduled}', '{Paused}', '{Planning}')";
        public const string Planned = $"('{Processing}', '{Completed}')";
        public const string Terminal = $"('{Completed}', '{Cancelled}', '{Expired}', '{Digested}')";
    }
}
