using System.Xml;

namespace Herald.Core.Domain;

/// <summary>ISO 8601 durations as the API and template documents write them (<c>PT30S</c>, <c>P1D</c>).</summary>
public static class IsoDuration
{
    /// <summary>Parses <paramref name="value"/>; false for null, blank, malformed or out-of-range text.</summary>
    public static bool TryParse(string? value, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        try
        {
            duration = XmlConvert.ToTimeSpan(value);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            return false;
        }
    }
}
