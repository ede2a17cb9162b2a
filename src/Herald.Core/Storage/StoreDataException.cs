namespace Herald.Core.Storage;

/// <summary>
/// A write the store refused because of the data it carried (PostgreSQL SQLSTATE class 22 or 23, a value the driver
/// cannot encode, SQLite's constraint or type errors), not because the database is unreachable, busy or deadlocked.
/// Writing the same data again fails the same way, so a batch holding it is split (see <see cref="BatchIsolation"/>)
/// instead of retried whole. The message is the database's reason, without the values that caused it.
/// </summary>
public sealed class StoreDataException : Exception
{
    public StoreDataException()
    {
    }

    public StoreDataException(string message)
        : base(message)
    {
    }

    public StoreDataException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
