using Herald.Core.Domain;
using Herald.Storage.Tests.Contracts;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>What SQLite's claims promise beyond the dispatch contract (which PostgreSQL's SKIP LOCKED could not keep).</summary>
public sealed class SqliteClaimTests
{
    [Fact]
    public async Task ClaimDueAsync_TwoOwnersRace_TheyTakeEverythingBetweenThem()
    {
        // The single writer runs one claim after the other, so the second sees what the first left and skips nothing.
        await using var s = await Stores.SqliteAsync();
        var all = Enumerable.Range(0, 20).Select(i => DispatchSamples.Delivery($"dlv_{i:00}", "ntf_1", recipient: $"u{i}")).ToList();
        await DispatchSamples.SeedAsync(s, "ntf_1", all);
        var gate = DispatchSamples.Gate();
        var now = DispatchSamples.Now;

        var a = Task.Run(() => s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, now, now + DispatchSamples.Lease, "lane-a", 15, gate, CancellationToken.None));
        var b = Task.Run(() => s.Dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, now, now + DispatchSamples.Lease, "lane-b", 15, gate, CancellationToken.None));
        var results = await Task.WhenAll(a, b).WaitAsync(TimeSpan.FromSeconds(30));

        results.SelectMany(r => r).Select(d => d.Id).Order(StringComparer.Ordinal).ShouldBe(all.Select(d => d.Id).Order(StringComparer.Ordinal));
        results.Select(r => r.Count).Order().ShouldBe([5, 15]);
    }
}
