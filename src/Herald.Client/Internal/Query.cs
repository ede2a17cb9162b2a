using System.Globalization;

namespace Herald.Client.Internal;

/// <summary>A query string from name/value pairs; pairs whose value is null are left out.</summary>
internal static class Query
{
    public static string Of(params (string Name, string? Value)[] pairs)
    {
        var given = pairs.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return given.Count == 0 ? "" : "?" + string.Join('&', given);
    }

    public static string? Time(DateTimeOffset? value) => value?.ToString("O", CultureInfo.InvariantCulture);

    public static string? Number(int? value) => value?.ToString(CultureInfo.InvariantCulture);
}
