using System.Data.Common;

namespace Herald.Storage.Relational;

/// <summary>
/// Reading the column types both engines store the same way: times as Unix milliseconds, flags as PostgreSQL
/// <c>boolean</c> or SQLite <c>INTEGER</c> 0/1.
/// </summary>
public static class RowReader
{
    public static long Ms(this DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    public static long? Ms(this DateTimeOffset? value) => value?.ToUnixTimeMilliseconds();

    public static DateTimeOffset Time(this DbDataReader reader, int ordinal) => DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    public static DateTimeOffset? TimeOrNull(this DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    public static string? StringOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>A flag column: PostgreSQL returns a boolean, SQLite an integer (non-zero is true).</summary>
    public static bool Flag(this DbDataReader reader, int ordinal) =>
        reader.GetFieldType(ordinal) == typeof(bool) ? reader.GetBoolean(ordinal) : reader.GetInt64(ordinal) != 0;
}
