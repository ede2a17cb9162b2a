namespace Herald.Storage.Sqlite;

/// <summary>Settings under <c>Herald:Storage:Sqlite</c>.</summary>
public sealed class SqliteOptions
{
    /// <summary>Database file. Default <c>./data/herald.db</c>; the folder is created when missing.</summary>
    public string Path { get; set; } = "./data/herald.db";

    /// <summary>
    /// <c>FULL</c> (default) makes every commit survive power loss, as the 202 promises; <c>NORMAL</c> survives a process
    /// crash only.
    /// </summary>
    public string Synchronous { get; set; } = "FULL";

    /// <summary>
    /// Counts every statement SQLite runs, on the writer and on read connections (<see cref="SqliteDatabase.Statements"/>):
    /// for tests and the benchmark that hold the statements per notification to a budget. Off by default (a callback per
    /// statement).
    /// </summary>
    public bool CountStatements { get; set; }
}
