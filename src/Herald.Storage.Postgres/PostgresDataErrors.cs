using System.Text;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Which failures of a write come from the data written, so the batch holding it is split rather than retried whole:
/// SQLSTATE class 22 (data exception: a NUL in text, a value out of range), class 23 (integrity constraint: a missing
/// required value, a duplicate key; the conflicts Herald expects are absorbed by ON CONFLICT clauses and never raise), a
/// key too large for its index (54000), and a string Npgsql cannot encode as UTF-8 (a lone surrogate). Everything else
/// (connection loss, deadlock, serialization failure, shutdown) is the database's state and keeps its retry path.
/// </summary>
internal static class PostgresDataErrors
{
    private const string ProgramLimitExceeded = "54000";

    /// <summary>A short reason for a data error (SQLSTATE and the server's message, never its detail with the values), or null.</summary>
    public static string? ReasonOf(Exception ex) => ex switch
    {
        PostgresException pg when pg.SqlState.StartsWith("22", StringComparison.Ordinal) || pg.SqlState.StartsWith("23", StringComparison.Ordinal)
            || pg.SqlState == ProgramLimitExceeded => $"SQLSTATE {pg.SqlState}: {pg.MessageText}",
        EncoderFallbackException => "a text value is not valid UTF-16 (an unpaired surrogate)",
        _ when ex.InnerException is EncoderFallbackException => "a text value is not valid UTF-16 (an unpaired surrogate)",
        _ => null,
    };
}
