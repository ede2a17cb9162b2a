namespace Herald.Core.Pipeline;

/// <summary>Time-ordered ids (UUIDv7), so newest-first pagination is an index scan.</summary>
public static class Ids
{
    public static string New(string prefix, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return prefix + "_" + Guid.CreateVersion7(time.GetUtcNow()).ToString("N");
    }

    /// <summary>An id minted at <paramref name="at"/> (a store that is handed the time rather than a clock).</summary>
    public static string New(string prefix, DateTimeOffset at) => prefix + "_" + Guid.CreateVersion7(at).ToString("N");

    /// <summary>When an id made by <see cref="New(string, TimeProvider)"/> was made (its UUIDv7 millisecond timestamp), or null for another id.</summary>
    public static DateTimeOffset? TimeOf(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var at = id.IndexOf('_', StringComparison.Ordinal);
        var hex = id.AsSpan(at + 1);
        if (hex.Length != 32 || hex[12] != '7' || !long.TryParse(hex[..12], System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var ms))
        {
            return null;
        }

        return DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }
}
