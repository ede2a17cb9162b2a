using Herald.Core.Retries;

namespace Herald.Core.Tests.Retries;

public class RetryScheduleTests
{
    private static readonly RetrySchedule Jittered = new([TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1)], FullJitter: true);
    private static readonly RetrySchedule Steady = new([TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1)], FullJitter: false);

    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(0.5, 30)]
    [InlineData(0.999999, 59.99994)]
    public void NextDelay_FullJitter_ScalesCapByRandom(double sample, double expectedSeconds)
    {
        Jittered.NextDelay(2, new FixedRandom(sample)).ShouldBe(TimeSpan.FromSeconds(expectedSeconds));
    }

    [Fact]
    public void NextDelay_FullJitterManySamples_StayWithinZeroAndCap()
    {
        var random = new Random(42);
        var delays = Enumerable.Range(0, 1000).Select(_ => Jittered.NextDelay(1, random)!.Value).ToList();

        delays.ShouldAllBe(d => d >= TimeSpan.Zero && d <= TimeSpan.FromSeconds(10));
        delays.Min().ShouldBeLessThan(TimeSpan.FromSeconds(1));
        delays.Max().ShouldBeGreaterThan(TimeSpan.FromSeconds(9));
    }

    [Theory]
    [InlineData(0.0, 54)]
    [InlineData(0.5, 60)]
    [InlineData(0.999999, 65.999988)]
    public void NextDelay_SmallJitter_StaysWithinTenPercent(double sample, double expectedSeconds)
    {
        var delay = Steady.NextDelay(2, new FixedRandom(sample))!.Value;

        delay.TotalSeconds.ShouldBe(expectedSeconds, tolerance: 0.00001);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(100)]
    public void NextDelay_MoreFailuresThanDelays_ReturnsNull(int failedAttempts)
    {
        Jittered.NextDelay(failedAttempts, new FixedRandom(0.5)).ShouldBeNull();
    }

    [Fact]
    public void NextDelay_ZeroFailedAttempts_Throws()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => Steady.NextDelay(0, new FixedRandom(0.5)));
    }

    [Fact]
    public void Exponential_Delays_DoubleUntilCappedAtMax()
    {
        var schedule = RetrySchedule.Exponential(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), retries: 6);

        schedule.FullJitter.ShouldBeTrue();
        schedule.Delays.ShouldBe(new[] { 1, 2, 4, 8, 10, 10 }.Select(s => TimeSpan.FromSeconds(s)));
    }

    [Fact]
    public void Exponential_ManyRetries_DoesNotOverflow()
    {
        var schedule = RetrySchedule.Exponential(TimeSpan.FromSeconds(1), TimeSpan.FromDays(1), retries: 100);

        schedule.Delays.Count.ShouldBe(100);
        schedule.Delays[^1].ShouldBe(TimeSpan.FromDays(1));
    }

    [Fact]
    public void StandardWebhooks_Delays_MatchSvixSchedule()
    {
        var schedule = RetrySchedule.StandardWebhooks;

        schedule.FullJitter.ShouldBeFalse();
        schedule.Delays.ShouldBe(
        [
            TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
            TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
        ]);
        schedule.NextDelay(8, new FixedRandom(0.5)).ShouldBeNull();
    }

    [Fact]
    public void Parse_AllUnits_ReturnsDelaysInOrder()
    {
        var schedule = RetrySchedule.Parse("250ms, 5s,5m ,2h,1d");

        schedule.FullJitter.ShouldBeFalse();
        schedule.Delays.ShouldBe(
        [
            TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromHours(2),
            TimeSpan.FromDays(1),
        ]);
    }

    [Fact]
    public void Parse_WithFullJitter_SetsFlag()
    {
        RetrySchedule.Parse("1s", fullJitter: true).FullJitter.ShouldBeTrue();
    }

    [Theory]
    [InlineData("5s,5x,1h", "5x")]
    [InlineData("5s,,1h", "''")]
    [InlineData("-5s", "-5s")]
    [InlineData("1.5h", "1.5h")]
    [InlineData("s", "'s'")]
    [InlineData("5", "'5'")]
    [InlineData("99999999999d", "99999999999d")]
    public void Parse_BadItem_ThrowsFormatExceptionNamingIt(string spec, string expectedInMessage)
    {
        var error = Should.Throw<FormatException>(() => RetrySchedule.Parse(spec));

        error.Message.ShouldContain(expectedInMessage);
    }

    private sealed class FixedRandom(double sample) : Random
    {
        public override double NextDouble() => sample;

        protected override double Sample() => sample;
    }
}
