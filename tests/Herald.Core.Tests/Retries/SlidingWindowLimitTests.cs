using Herald.Core.Retries;

namespace Herald.Core.Tests.Retries;

public class SlidingWindowLimitTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private static DateTimeOffset[] MinutesAgo(params int[] minutes) =>
        [.. minutes.Select(m => Now.AddMinutes(-m)).Order()];

    [Fact]
    public void DeferUntil_UnderLimit_ReturnsNull()
    {
        SlidingWindowLimit.DeferUntil(MinutesAgo(50, 30), limit: 3, Hour, Now).ShouldBeNull();
    }

    [Fact]
    public void DeferUntil_NoSends_ReturnsNull()
    {
        SlidingWindowLimit.DeferUntil([], limit: 1, Hour, Now).ShouldBeNull();
    }

    [Fact]
    public void DeferUntil_AtLimit_ReturnsOldestPlusWindow()
    {
        SlidingWindowLimit.DeferUntil(MinutesAgo(50, 30, 5), limit: 3, Hour, Now).ShouldBe(Now.AddMinutes(10));
    }

    [Fact]
    public void DeferUntil_SendsOlderThanWindow_AreNotCounted()
    {
        SlidingWindowLimit.DeferUntil(MinutesAgo(120, 60, 30, 5), limit: 3, Hour, Now).ShouldBeNull();
    }

    [Fact]
    public void DeferUntil_SendExactlyOneWindowAgo_HasLeftTheWindow()
    {
        SlidingWindowLimit.DeferUntil(MinutesAgo(60, 30), limit: 2, Hour, Now).ShouldBeNull();
    }

    [Fact]
    public void DeferUntil_OverLimit_WaitsUntilEnoughSendsLeave()
    {
        // 4 sends with limit 2: at most 1 may remain before the next send, so the sends 50, 40 and 20 minutes ago
        // must leave; the last of them leaves in 40 minutes.
        SlidingWindowLimit.DeferUntil(MinutesAgo(50, 40, 20, 10), limit: 2, Hour, Now).ShouldBe(Now.AddMinutes(40));
    }

    [Fact]
    public void DeferUntil_DailyCap_ReturnsOldestPlusOneDay()
    {
        var sends = new[] { Now.AddHours(-20), Now.AddHours(-3) };

        SlidingWindowLimit.DeferUntil(sends, limit: 2, TimeSpan.FromDays(1), Now).ShouldBe(Now.AddHours(4));
    }

    [Fact]
    public void DeferUntil_ZeroLimit_Throws()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => SlidingWindowLimit.DeferUntil([], limit: 0, Hour, Now));
    }
}
