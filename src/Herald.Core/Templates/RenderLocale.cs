using System.Globalization;
using Herald.Core.Preferences;

namespace Herald.Core.Templates;

/// <summary>
/// The recipient's culture and time zone for one render, read by the formatting helpers (<see cref="FormatHelpers"/>).
/// Handlebars renders synchronously on the calling thread, so, like <see cref="RenderBudget"/>, the current one is a
/// thread-static set around the render. Outside a render (or for an unknown tag or zone) it is the invariant culture and UTC.
/// </summary>
internal sealed record RenderLocale(CultureInfo Culture, TimeZoneInfo Zone)
{
    [ThreadStatic]
    private static RenderLocale? t_current;

    public static RenderLocale Invariant { get; } = new(CultureInfo.InvariantCulture, TimeZoneInfo.Utc);

    public static RenderLocale Current => t_current ?? Invariant;

    /// <summary>The culture of a locale tag ("de-DE", "fr_CA", "en") and a time zone id (IANA or Windows); each falls back on its own.</summary>
    public static RenderLocale Of(string? locale, string? timeZone) =>
        new(CultureOf(locale), timeZone is not null && QuietHoursCalculator.TryFindTimeZone(timeZone, out var zone) ? zone : TimeZoneInfo.Utc);

    public Scope Enter()
    {
        var scope = new Scope(t_current);
        t_current = this;
        return scope;
    }

    private static CultureInfo CultureOf(string? locale)
    {
        if (string.IsNullOrWhiteSpace(locale))
        {
            return CultureInfo.InvariantCulture;
        }

        try
        {
            // Predefined cultures only: ICU would otherwise make up a culture with invariant formats for any well-formed tag.
            return CultureInfo.GetCultureInfo(locale.Trim().Replace('_', '-'), predefinedOnly: true);
        }
        catch (CultureNotFoundException)
        {
            return CultureInfo.InvariantCulture;
        }
    }

    internal readonly struct Scope(RenderLocale? previous) : IDisposable
    {
        public void Dispose() => t_current = previous;
    }
}
