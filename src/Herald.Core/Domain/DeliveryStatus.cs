namespace Herald.Core.Domain;

/// <summary>
/// A delivery's states and the named sets the pipeline, both stores and the API share. Each constant is the wire string and
/// the stored one (no mapping layer). The sets exist twice by design, checked equal by a test: as lists for code and the
/// API, and in <see cref="Sql"/> as SQL list literals rendered from the constants at compile time, so SQL built from them
/// stays a constant and a hot path never builds a string.
/// </summary>
/// <remarks>
/// String constants rather than an enum: a status is compared in <c>is</c> patterns, bound as a SQL parameter and
/// serialized as JSON in dozens of places; an enum would need a mapper at each of them, and one forgotten mapper would bind
/// an integer silently. The set is closed by <see cref="All"/>, <see cref="IsKnown"/> (the API's validation) and by the
/// tests that every status the code writes and every status in store SQL comes from here.
/// </remarks>
public static class DeliveryStatus
{
    public const string Queued = "queued";
    public const string Deferred = "deferred";
    public const string Retrying = "retrying";
    public const string Sending = "sending";
    public const string Sent = "sent";
    public const string Delivered = "delivered";
    public const string Suppressed = "suppressed";
    public const string Failed = "failed";
    public const string Dead = "dead";
    public const string Cancelled = "cancelled";
    public const string Unknown = "unknown";
    public const string Expired = "expired";
    public const string Folded = "folded";
    public const string Bounced = "bounced";
    public const string Opened = "opened";
    public const string Clicked = "clicked";

    /// <summary>
    /// Kept unsent because its webhook endpoint is disabled: not an attempt, not a failure; released to the queue when the
    /// endpoint is enabled again (or by a recover), expired after <c>Herald:Webhooks:HoldFor</c>.
    /// </summary>
    public const string Held = "held";

    /// <summary>Every status, in the order of the state machine: the API's allowed values and the OpenAPI enum.</summary>
    public static readonly IReadOnlyList<string> All =
        [Queued, Deferred, Retrying, Held, Sending, Unknown, Sent, Delivered, Opened, Clicked, Bounced, Suppressed, Failed, Dead, Cancelled, Expired, Folded];

    /// <summary>Waiting for a lane to claim it once due.</summary>
    public static readonly IReadOnlyList<string> Claimable = [Queued, Deferred, Retrying];

    /// <summary>Leased to a sender: being sent, or sent with an outcome nobody knows yet.</summary>
    public static readonly IReadOnlyList<string> InFlight = [Sending, Unknown];

    /// <summary>Accepted by a provider; tracking reports move it within this set.</summary>
    public static readonly IReadOnlyList<string> SentOrBeyond = [Sent, Delivered, Opened, Clicked];

    /// <summary>Sent, or still able to be sent (pending, or folded into a digest that will be): no failure yet.</summary>
    public static readonly IReadOnlyList<string> SentOrMaySend = [Queued, Deferred, Retrying, Sending, Unknown, Held, Folded, Sent, Delivered, Opened, Clicked];

    /// <summary>In flight or sent: what the gate counts against caps and the per-recipient order.</summary>
    public static readonly IReadOnlyList<string> InFlightOrSent = [Sending, Sent, Delivered, Opened, Clicked, Unknown];

    /// <summary>Where a throttled mark still holds a recipient's order (deferred to its slot, or being sent).</summary>
    public static readonly IReadOnlyList<string> ThrottleHolding = [Deferred, Sending];

    /// <summary>Not yet sent and not leased: cancelled with its campaign.</summary>
    public static readonly IReadOnlyList<string> Waiting = [Queued, Deferred, Retrying, Held];

    /// <summary>What cancelling a notification cancels: waiting, or in the dead-letter queue.</summary>
    public static readonly IReadOnlyList<string> Cancellable = [Queued, Deferred, Retrying, Dead, Held];

    /// <summary>Still to settle: keeps its notification <c>processing</c>.</summary>
    public static readonly IReadOnlyList<string> Pending = [Queued, Deferred, Retrying, Sending, Unknown, Held];

    /// <summary>Never sent (or not known to be): what erasing a user cancels.</summary>
    public static readonly IReadOnlyList<string> Unsent = [Queued, Deferred, Retrying, Sending, Unknown, Dead, Held];

    /// <summary>Ended without a send and sent again by a recover.</summary>
    public static readonly IReadOnlyList<string> Recoverable = [Held, Failed, Dead];

    /// <summary>Given up on: failed for good or in the dead-letter queue.</summary>
    public static readonly IReadOnlyList<string> Undeliverable = [Failed, Dead];

    /// <summary>Reported by the provider or tracking as having reached the recipient.</summary>
    public static readonly IReadOnlyList<string> Reached = [Delivered, Opened, Clicked];

    /// <summary>What a provider's report or tracking can record after a send (<c>tracked_status</c>).</summary>
    public static readonly IReadOnlyList<string> Tracked = [Delivered, Opened, Clicked, Bounced];

    /// <summary>A report that the send failed after all: a bounce or a late failure.</summary>
    public static readonly IReadOnlyList<string> ReportedFailed = [Bounced, Failed];

    /// <summary>Tracked engagement: the recipient opened it, or clicked in it.</summary>
    public static readonly IReadOnlyList<string> Engaged = [Opened, Clicked];

    /// <summary>After these nothing more happens to a delivery (retention may remove it).</summary>
    public static readonly IReadOnlyList<string> Terminal = [Sent, Delivered, Suppressed, Failed, Dead, Cancelled, Opened, Clicked, Bounced, Expired, Folded];

    public static bool IsTerminal(string status) =>
        status is Sent or Delivered or Suppressed or Failed or Dead or Cancelled or Opened or Clicked or Bounced or Expired or Folded;

    public static bool IsKnown(string status) =>
        status is Queued or Deferred or Retrying or Held or Sending or Unknown or Sent or Delivered or Opened or Clicked or Bounced
            or Suppressed or Failed or Dead or Cancelled or Expired or Folded;

    /// <summary>The sets above as SQL list literals, <c>('a', 'b')</c>, for <c>status IN …</c>.</summary>
    public static class Sql
    {
        public const string Claimable = $"('{Queued}', '{Deferred}', '{Retrying}')";
        public const string InFlight = $"('{Sending}', '{Unknown}')";
        public const string SentOrBeyond = $"('{Sent}', '{Delivered}', '{Opened}', '{Clicked}')";
        public const string SentOrMaySend =
            $"('{Queued}', '{Deferred}', '{Retrying}', '{Sending}', '{Unknown}', '{Held}', '{Folded}', '{Sent}', '{Delivered}', '{Opened}', '{Clicked}')";
        public const string InFlightOrSent = $"('{Sending}', '{Sent}', '{Delivered}', '{Opened}', '{Clicked}', '{Unknown}')";
        public const string ThrottleHolding = $"('{Deferred}', '{Sending}')";
        public const string Waiting = $"('{Queued}', '{Deferred}', '{Retrying}', '{Held}')";
        public const string Cancellable = $"('{Queued}', '{Deferred}', '{Retrying}', '{Dead}', '{Held}')";
        public const string Pending = $"('{Queued}', '{Deferred}', '{Retrying}', '{Sending}', '{Unknown}', '{Held}')";
        public const string Unsent = $"('{Queued}', '{Deferred}', '{Retrying}', '{Sending}', '{Unknown}', '{Dead}', '{Held}')";
        public const string Recoverable = $"('{Held}', '{Failed}', '{Dead}')";
        public const string Undeliverable = $"('{Failed}', '{Dead}')";
        public const string Reached = $"('{Delivered}', '{Opened}', '{Clicked}')";
        public const string Tracked = $"('{Delivered}', '{Opened}', '{Clicked}', '{Bounced}')";
        public const string ReportedFailed = $"('{Bounced}', '{Failed}')";
        public const string Engaged = $"('{Opened}', '{Clicked}')";
        public const string Terminal =
            $"('{Sent}', '{Delivered}', '{Suppressed}', '{Failed}', '{Dead}', '{Cancelled}', '{Opened}', '{Clicked}', '{Bounced}', '{Expired}', '{Folded}')";
    }
}
