namespace Herald.Server.Api;

/// <summary>
/// The time a write stamps, at the stores' precision (whole milliseconds): the answer to a create or a PUT then carries
/// the same <c>created_at</c> or <c>updated_at</c> as every later read of what it stored.
/// </summary>
internal static class StoredTime
{
    public static DateTimeOffset Now(TimeProvider time) => DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
}
