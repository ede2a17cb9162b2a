namespace Herald.Core.Retention;

/// <summary>Settings under <c>Herald:Retention</c>: how long finished work is kept, on both engines.</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Herald:Retention";

    /// <summary>How often the retention job runs (scheduler role). Default 6 h.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>
    /// Terminal notifications (with their deliveries, attempts, trace and capture outbox messages) unchanged for longer
    /// than this are removed; anything still pending is kept whatever its age. Default 90 days.
    /// </summary>
    public TimeSpan Notifications { get; set; } = TimeSpan.FromDays(90);

    /// <summary>In-app feed items older than this are removed, read or not. Default 90 days.</summary>
    public TimeSpan Feed { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Audit log entries (operator actions) older than this are removed. Default 365 days.</summary>
    public TimeSpan Audit { get; set; } = TimeSpan.FromDays(365);

    /// <summary>
    /// Rows removed per transaction. Small, so SQLite's single writer is never held for long (ingest waits behind it).
    /// Default 500.
    /// </summary>
    public int BatchSize { get; set; } = 500;
}
