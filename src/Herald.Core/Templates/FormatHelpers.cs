using System.Collections.Frozen;
using System.Globalization;
using HandlebarsDotNet;

namespace Herald.Core.Templates;

/// <summary>
/// <c>{{formatDate value "format"}}</c>, <c>{{formatNumber value decimals}}</c> and <c>{{formatCurrency amount "EUR"}}</c>:
/// values in the recipient's culture and time zone (<see cref="RenderLocale.Current"/>), the invariant culture and UTC when
/// the recipient has none. A value the helper cannot read fails the render naming the helper, as a missing variable does.
/// </summary>
internal static class FormatHelpers
{
    public static void Register(IHandlebars handlebars)
    {
        handlebars.RegisterHelper("formatDate", (HandlebarsReturnHelper)((Context _, Arguments args) => FormatDate(Argument(args, 0, "formatDate"), Optional(args, 1))));
        handlebars.RegisterHelper("formatNumber", (HandlebarsReturnHelper)((Context _, Arguments args) => FormatNumber(Argument(args, 0, "formatNumber"), Optional(args, 1))));
        handlebars.RegisterHelper("formatCurrency", (HandlebarsReturnHelper)((Context _, Arguments args) =>
            FormatCurrency(Argument(args, 0, "formatCurrency"), Optional(args, 1) ?? throw Fail("formatCurrency needs a currency code, e.g. {{formatCurrency amount \"EUR\"}}"))));
    }

    /// <summary>
    /// An ISO 8601 date-time is shown in the recipient's time zone; a date alone ("2026-12-24") is a calendar day and is not
    /// shifted. <paramref name="format"/> is a .NET date format ("d", "D", "t", "f", "g", "yyyy-MM-dd HH:mm"); default "g"
    /// (short date and time), "d" for a date alone.
    /// </summary>
    public static string FormatDate(object? value, object? format)
    {
        var locale = RenderLocale.Current;
        var text = value as string ?? throw Fail($"formatDate expects an ISO 8601 date or date-time string, got {Describe(value)}");
        var pattern = format as string;
        try
        {
            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                return day.ToString(pattern ?? "d", locale.Culture);
            }

            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
            {
                return TimeZoneInfo.ConvertTime(instant, locale.Zone).ToString(pattern ?? "g", locale.Culture);
            }
        }
        catch (FormatException)
        {
            throw Fail($"formatDate: '{pattern}' is not a date format");
        }

        throw Fail($"formatDate expects an ISO 8601 date or date-time string, got '{Truncate(text)}'");
    }

    /// <summary>Grouped digits in the recipient's culture; <paramref name="decimals"/> fixes the decimal places (else as many as the value has).</summary>
    public static string FormatNumber(object? value, object? decimals)
    {
        var number = Number(value, "formatNumber");
        var culture = RenderLocale.Current.Culture;
        return Decimals(decimals, "formatNumber") is { } places ? number.ToString("N" + places.ToString(CultureInfo.InvariantCulture), culture) : number.ToString("#,0.############", culture);
    }

    /// <summary>
    /// The amount in the recipient's currency format with the currency's symbol and decimal places: the culture's own
    /// symbol for its own currency (en-US: $, de-CH: CHF), otherwise the symbol the currency's home cultures use (€, £, ¥).
    /// </summary>
    public static string FormatCurrency(object? amount, object? currency)
    {
        var number = Number(amount, "formatCurrency");
        if (currency is not string code || code.Length != 3 || !code.All(char.IsAsciiLetterUpper))
        {
            throw Fail($"formatCurrency expects an ISO 4217 currency code such as \"EUR\", got {Describe(currency)}");
        }

        var culture = RenderLocale.Current.Culture;
        var format = (NumberFormatInfo)culture.NumberFormat.Clone();
        var own = !culture.IsNeutralCulture && culture.Name.Length > 0 && TryRegion(culture)?.ISOCurrencySymbol == code;
        var known = Currencies.Value.TryGetValue(code, out var k) ? k : (Symbol: code, Digits: 2);
        format.CurrencySymbol = own ? culture.NumberFormat.CurrencySymbol : known.Symbol;
        format.CurrencyDecimalDigits = own ? culture.NumberFormat.CurrencyDecimalDigits : known.Digits;
        return number.ToString("C", format);
    }

    private static readonly Lazy<FrozenDictionary<string, (string Symbol, int Digits)>> Currencies = new(() =>
        CultureInfo.GetCultures(CultureTypes.SpecificCultures)
            .Select(c => (Culture: c, Region: TryRegion(c)))
            .Where(x => x.Region is not null)
            .GroupBy(x => x.Region!.ISOCurrencySymbol, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => (
                Symbol: g.GroupBy(x => x.Culture.NumberFormat.CurrencySymbol, StringComparer.Ordinal).OrderByDescending(s => s.Count()).ThenBy(s => s.Key.Length).First().Key,
                Digits: g.GroupBy(x => x.Culture.NumberFormat.CurrencyDecimalDigits).OrderByDescending(d => d.Count()).First().Key), StringComparer.Ordinal));

    private static RegionInfo? TryRegion(CultureInfo culture)
    {
        try
        {
            return new RegionInfo(culture.Name);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static decimal Number(object? value, string helper)
    {
        switch (value)
        {
            case long l:
                return l;
            case int i:
                return i;
            case decimal m:
                return m;
            case double d when double.IsFinite(d) && Math.Abs(d) < 7.9e28:
                return (decimal)d;
            case string s when decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed):
                return parsed;
            default:
                throw Fail($"{helper} expects a number, got {Describe(value)}");
        }
    }

    private static int? Decimals(object? value, string helper) => value switch
    {
        null => null,
        long l and >= 0 and <= 10 => (int)l,
        int i and >= 0 and <= 10 => i,
        _ => throw Fail($"{helper}: decimal places must be a whole number from 0 to 10, got {Describe(value)}"),
    };

    private static object? Argument(Arguments args, int index, string helper) =>
        args.Length > index ? Value(args[index]) : throw Fail($"{helper} needs a value");

    private static object? Optional(Arguments args, int index) => args.Length > index ? Value(args[index]) : null;

    // A hash argument (key=value) is not one of ours; an undefined value reads as null.
    private static object? Value(object? argument) => argument is IDictionary<string, object> or UndefinedBindingResult ? null : argument;

    private static string Describe(object? value) => value switch
    {
        null => "nothing",
        string s => $"'{Truncate(s)}'",
        _ => Truncate(Convert.ToString(value, CultureInfo.InvariantCulture) ?? value.GetType().Name),
    };

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";

    private static HandlebarsRuntimeException Fail(string message) => new(message);
}
