using Herald.Providers.Routing;

namespace Herald.Providers.Tests.Routing;

public sealed class TokenBucketTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void One_per_second_allows_one_then_asks_to_wait_about_a_second()
    {
        var time = new FakeTimeProvider(T0);
        var bucket = TokenBucket.Parse("1/s", time);

        bucket.TryTake(out _).ShouldBeTrue();
        bucket.TryTake(out var wait).ShouldBeFalse();
        wait.ShouldBe(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(1));
        time.Advance(TimeSpan.FromSeconds(1));
        bucket.TryTake(out _).ShouldBeTrue();
    }

    [Fact]
    public void Short_code_rate_allows_a_burst_of_one_second_then_refills()
    {
        var time = new FakeTimeProvider(T0);
        var bucket = TokenBucket.Parse("100/s", time);

        Enumerable.Range(0, 100).Count(_ => bucket.TryTake(out TimeSpan _)).ShouldBe(100);
        bucket.TryTake(out _).ShouldBeFalse();
        time.Advance(TimeSpan.FromMilliseconds(50));
        Enumerable.Range(0, 10).Count(_ => bucket.TryTake(out TimeSpan _)).ShouldBe(5);
    }

    [Theory]
    [InlineData("600/m", 10.0)]
    [InlineData("3600/h", 1.0)]
    [InlineData("10/2s", 5.0)]
    public void Parses_units(string spec, double perSecond) =>
        TokenBucket.Parse(spec, TimeProvider.System).PerSecond.ShouldBe(perSecond);

    [Theory]
    [InlineData("fast")]
    [InlineData("0/s")]
    [InlineData("5/d")]
    public void Refuses_bad_specs(string spec) => Should.Throw<FormatException>(() => TokenBucket.Parse(spec, TimeProvider.System));
}
