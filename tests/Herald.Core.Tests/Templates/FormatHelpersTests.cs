using Herald.Core.Domain;
using Herald.Core.Templates;
using static Herald.Core.Tests.Templates.TemplateFixtures;

namespace Herald.Core.Tests.Templates;

public class FormatHelpersTests
{
    private readonly TemplateRenderer _renderer = new();

    private string Render(string body, string data, string? locale, string? timeZone = null) =>
        _renderer.Render(Sms(body), Channel.Sms, Json(data), new TemplateRenderContext(locale, timeZone))["body"]!.GetValue<string>();

    [Theory]
    [InlineData("de-DE", "1.234.567,5")]
    [InlineData("en-US", "1,234,567.5")]
    [InlineData(null, "1,234,567.5")]
    public void FormatNumber_RecipientLocale_UsesItsSeparators(string? locale, string expected) =>
        Render("{{formatNumber n}}", """{"n": 1234567.5}""", locale).ShouldBe(expected);

    [Fact]
    public void FormatNumber_Decimals_FixesThePlaces() =>
        Render("{{formatNumber n 2}}", """{"n": 3}""", "de-DE").ShouldBe("3,00");

    [Theory]
    [InlineData("de-DE", "EUR", "1.234,50 €")]
    [InlineData("en-US", "EUR", "€1,234.50")]
    [InlineData("en-US", "USD", "$1,234.50")]
    [InlineData("de-DE", "USD", "1.234,50 $")]
    [InlineData("en-US", "JPY", "¥1,235")]
    public void FormatCurrency_RecipientLocale_UsesItsPatternAndTheCurrencysSymbol(string locale, string code, string expected) =>
        Render("{{formatCurrency amount \"" + code + "\"}}", """{"amount": 1234.5}""", locale).Replace('\u00a0', ' ').Replace("￥", "¥", StringComparison.Ordinal).ShouldBe(expected);

    [Fact]
    public void FormatDate_RecipientTimeZone_ShiftsTheInstant()
    {
        const string data = """{"at": "2026-12-24T23:30:00Z"}""";

        Render("{{formatDate at \"yyyy-MM-dd HH:mm\"}}", data, "de-DE", "Europe/Berlin").ShouldBe("2026-12-25 00:30");
        Render("{{formatDate at \"yyyy-MM-dd HH:mm\"}}", data, "en-US", "America/New_York").ShouldBe("2026-12-24 18:30");
    }

    [Fact]
    public void FormatDate_RecipientLocale_NamesTheMonthInItsLanguage()
    {
        const string data = """{"at": "2026-03-05T10:00:00Z"}""";

        Render("{{formatDate at \"D\"}}", data, "de-DE", "UTC").ShouldBe("Donnerstag, 5. März 2026");
        Render("{{formatDate at \"D\"}}", data, "en-US", "UTC").ShouldBe("Thursday, March 5, 2026");
    }

    [Fact]
    public void FormatDate_DateOnly_IsNotShiftedByTheTimeZone() =>
        Render("{{formatDate day \"yyyy-MM-dd\"}}", """{"day": "2026-12-24"}""", "en-US", "America/Los_Angeles").ShouldBe("2026-12-24");

    [Fact]
    public void FormatDate_UnknownLocaleAndZone_FallBackToInvariantAndUtc() =>
        Render("{{formatDate at}}", """{"at": "2026-12-24T23:30:00+01:00"}""", "xx-NOPE", "Mars/Olympus").ShouldBe("12/24/2026 22:30");

    [Fact]
    public void FormatDate_NotADate_FailsNamingTheHelper()
    {
        var ex = Should.Throw<TemplateException>(() => Render("{{formatDate at}}", """{"at": "soon"}""", "en-US"));

        ex.Message.ShouldContain("formatDate expects an ISO 8601 date");
    }

    [Fact]
    public void FormatCurrency_BadCode_FailsNamingTheHelper()
    {
        var ex = Should.Throw<TemplateException>(() => Render("{{formatCurrency amount \"euro\"}}", """{"amount": 1}""", "en-US"));

        ex.Message.ShouldContain("ISO 4217");
    }
}
