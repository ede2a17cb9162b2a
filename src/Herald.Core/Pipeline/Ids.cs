namespace Herald.Core.Pipeline;

/// <summary>Time-ordered ids (UUIDv7), so newest-first pagination is an index scan.</summary>
public static class Ids
{
    public static string New(string prefix, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return prefix + "_" + Guid.CreateVersion7(time.GetUtcNow()).ToString("N");
    }
}
