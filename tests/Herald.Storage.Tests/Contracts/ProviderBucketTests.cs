using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Provider token buckets shared through PostgreSQL: the rate holds however many processes take tokens.</summary>
public sealed class PostgresProviderBucketTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_full_bucket_gives_its_capacity_then_says_how_long_to_wait()
    {
        await using var s = await Stores.PostgresAsync();
        var buckets = s.Port<IProviderBucketStore>();
        for (var i = 0; i < 2; i++)
        {
            (await buckets.TryTakeAsync("sms1", 1, 2, Now, CancellationToken.None)).ShouldBeNull();
        }

        var wait = await buckets.TryTakeAsync("sms1", 1, 2, Now, CancellationToken.None);
        wait.ShouldNotBeNull().TotalSeconds.ShouldBe(1, 0.01);
        (await buckets.TryTakeAsync("sms1", 1, 2, Now.AddSeconds(1), CancellationToken.None)).ShouldBeNull();
        (await buckets.TryTakeAsync("other", 1, 2, Now, CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task Many_takers_at_once_never_get_more_than_the_bucket_holds()
    {
        await using var s = await Stores.PostgresAsync();
        var buckets = s.Port<IProviderBucketStore>();
        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Task.Run(() => buckets.TryTakeAsync("long-code", 1, 5, Now, CancellationToken.None))));

        results.Count(r => r is null).ShouldBe(5);
    }
}
