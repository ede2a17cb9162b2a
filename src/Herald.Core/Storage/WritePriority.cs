namespace Herald.Core.Storage;

/// <summary>
/// Ambient priority of the store writes made by the current flow (an AsyncLocal): the urgent planner and lanes, and
/// ingest, mark their writes urgent. A store with a single writer (SQLite) lets urgent writes go first when several
/// wait, so an OTP's few small transactions do not queue behind a campaign's large batches. Stores that write in
/// parallel (PostgreSQL) ignore it.
/// </summary>
public static class WritePriority
{
    private static readonly AsyncLocal<bool> UrgentFlow = new();

    /// <summary>Whether writes of the current flow go before ordinary ones.</summary>
    public static bool IsUrgent => UrgentFlow.Value;

    /// <summary>Marks the rest of the current flow's writes urgent (or not); dispose to restore the previous mark.</summary>
    public static Scope Urgent(bool urgent = true)
    {
        var previous = UrgentFlow.Value;
        UrgentFlow.Value = urgent;
        return new Scope(previous);
    }

    /// <summary>Restores the mark that was in effect before <see cref="Urgent"/>.</summary>
    public readonly struct Scope(bool previous) : IDisposable
    {
        public void Dispose() => UrgentFlow.Value = previous;
    }
}
