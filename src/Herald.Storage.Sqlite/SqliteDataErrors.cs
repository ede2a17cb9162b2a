using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>
/// Which failures of a write come from the data written (the SQLite counterparts of PostgreSQL's classes 22 and 23):
/// a constraint (NOT NULL, UNIQUE, CHECK), a type mismatch, a value too big or a parameter out of range. Busy, locked,
/// I/O and full-disk errors are the database's state and keep their retry path. SQLite stores a NUL inside text and
/// the driver writes a lone surrogate as U+FFFD, so those never fail here: the API refuses them at the edge.
/// </summary>
internal static class SqliteDataErrors
{
    private const int TooBig = 18;
    private const int Constraint = 19;
    private const int Mismatch = 20;
    private const int Range = 25;

    /// <summary>A short reason for a data error (SQLite's message with its code), or null.</summary>
    public static string? ReasonOf(SqliteException ex) =>
        ex.SqliteErrorCode is TooBig or Constraint or Mismatch or Range ? ex.Message : null;
}
