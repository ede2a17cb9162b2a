namespace Herald.Core.Storage;

/// <summary>
/// One operator action: who (<see cref="Actor"/>, an API key id or <c>system</c>), what (<see cref="Action"/>, one of
/// <see cref="Audit.AuditActions.All"/>), on which resource (<see cref="Target"/>), when, and a small JSON object of
/// <see cref="Details"/> (never secrets, message bodies or personal data beyond ids).
/// </summary>
public sealed record AuditEntry(string Id, DateTimeOffset At, string Actor, string Action, string Target, string? Details, string? TraceId)
{
    public const string IdPrefix = "aud";
}

/// <summary>
/// What an audit search filters on; every filter is optional. Times are inclusive and become id bounds (audit ids are
/// UUIDv7), so a time range is a range of the primary key.
/// </summary>
public sealed record AuditSearch(string? Action = null, string? Actor = null, string? Target = null, DateTimeOffset? From = null, DateTimeOffset? To = null)
{
    /// <summary>
    /// The conditions of one page, only for the filters that are set: a "column operator" to which the store appends its
    /// parameter marker and <c>Name</c> (as <see cref="NotificationSearch.Conditions"/>, so the planner sees each column).
    /// </summary>
    public IEnumerable<(string Condition, string Name, string Value)> Conditions(string? cursor)
    {
        if (Action is not null)
        {
            yield return ("action =", "a", Action);
        }

        if (Actor is not null)
        {
            yield return ("actor =", "k", Actor);
        }

        if (Target is not null)
        {
            yield return ("target =", "t", Target);
        }

        if (From is not null)
        {
            yield return ("id >=", "f", IdBound(From.Value, upper: false));
        }

        if (To is not null)
        {
            yield return ("id <=", "u", IdBound(To.Value, upper: true));
        }

        if (cursor is not null)
        {
            yield return ("id <", "c", cursor);
        }
    }

    private static string IdBound(DateTimeOffset at, bool upper) =>
        RetentionStatuses.IdBound(AuditEntry.IdPrefix, at) + (upper ? new string('f', 20) : new string('0', 20));
}

/// <summary>The audit log of operator actions: appended by the API, read newest first, trimmed by the retention job.</summary>
public interface IAuditStore
{
    Task AppendAsync(AuditEntry entry, CancellationToken ct);

    /// <summary>Newest first; <paramref name="cursor"/> is the last id of the previous page.</summary>
    Task<IReadOnlyList<AuditEntry>> ListAuditAsync(AuditSearch search, int limit, string? cursor, CancellationToken ct);

    /// <summary>Removes entries made before <paramref name="before"/>, <paramref name="batchSize"/> rows per transaction; returns how many.</summary>
    Task<long> PurgeAuditAsync(DateTimeOffset before, int batchSize, CancellationToken ct);
}
