using Herald.Core.Gate;

namespace Herald.Core.Tests.Gate;

public class RateLimitTests
{
    [Theory]
    [InlineData("3/1h", 3, 3600)]
    [InlineData("10/30m", 10, 1800)]
    [InlineData("5/1d", 5, 86400)]
    [InlineData(" 100 / 90s ", 100, 90)]
    public void Parse_WellFormed_ReturnsCountAndWindow(string spec, int count, int windowSeconds)
    {
        RateLimit.Parse(spec).ShouldBe(new RateLimit(count, TimeSpan.FromSeconds(windowSeconds)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("3")]
    [InlineData("3/")]
    [InlineData("/1h")]
    [InlineData("0/1h")]
    [InlineData("-1/1h")]
    [InlineData("x/1h")]
    [InlineData("3/1w")]
    [InlineData("3/h")]
    public void Parse_Malformed_ThrowsFormatException(string spec)
    {
        Should.Throw<FormatException>(() => RateLimit.Parse(spec));
    }

    [Fact]
    public void Parse_WindowWithSeveralItems_ThrowsFormatException()
    {
        Should.Throw<FormatException>(() => RateLimit.Parse("3/1h,1d"));
    }

    [Fact]
    public void Parse_ZeroWindow_ThrowsFormatException()
    {
        Should.Throw<FormatException>(() => RateLimit.Parse("3/0s"));
    }
}
