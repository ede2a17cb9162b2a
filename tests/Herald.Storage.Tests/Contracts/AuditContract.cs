using Herald.Core.Audit;
using Herald.Core.Pipeline;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>The audit log: appended entries read back newest first, filtered, paged, and trimmed by retention.</summary>
public abstract class AuditContract
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly CancellationToken None = CancellationToken.None;

    protected abstract Task<StoreHandle> OpenAsync();

    private static AuditEntry Entry(int minutes, string action, string actor = "key_a", string target = "t1", string? details = null) =>
        new(Ids.New(AuditEntry.IdPrefix, Now.AddMinutes(minutes)), Now.AddMinutes(minutes), actor, action, target, details, null);

    [Fact]
    public async Task ListAuditAsync_Appended_NewestFirstWithEveryField()
    {
        await using var s = await OpenAsync();
        var audit = s.Port<IAuditStore>();
        var first = Entry(0, AuditActions.TemplatePublished, details: """{"version":2}""") with { TraceId = "0af7651916cd43dd8448eb211c80319c" };
        var second = Entry(1, AuditActions.ProviderDisabled, target: "sendgrid");
        await audit.AppendAsync(first, None);
        await audit.AppendAsync(second, None);

        var page = await audit.ListAuditAsync(new AuditSearch(), 10, null, None);

        page.ShouldBe([second, first]);
    }

    [Fact]
    public async Task ListAuditAsync_Filters_MatchOnlyThoseEntries()
    {
        await using var s = await OpenAsync();
        var audit = s.Port<IAuditStore>();
        var a = Entry(0, AuditActions.TemplatePublished, actor: "key_a", target: "welcome");
        var b = Entry(10, AuditActions.ProviderDisabled, actor: "key_b", target: "sendgrid");
        var c = Entry(20, AuditActions.TemplatePublished, actor: "key_b", target: "reset");
        foreach (var e in new[] { a, b, c })
        {
            await audit.AppendAsync(e, None);
        }

        (await audit.ListAuditAsync(new AuditSearch(Action: AuditActions.TemplatePublished), 10, null, None)).ShouldBe([c, a]);
        (await audit.ListAuditAsync(new AuditSearch(Actor: "key_b"), 10, null, None)).ShouldBe([c, b]);
        (await audit.ListAuditAsync(new AuditSearch(Target: "sendgrid"), 10, null, None)).ShouldBe([b]);
        (await audit.ListAuditAsync(new AuditSearch(From: Now.AddMinutes(10), To: Now.AddMinutes(10)), 10, null, None)).ShouldBe([b]);
        (await audit.ListAuditAsync(new AuditSearch(From: Now.AddMinutes(5)), 10, null, None)).ShouldBe([c, b]);
        (await audit.ListAuditAsync(new AuditSearch(To: Now.AddMinutes(15)), 10, null, None)).ShouldBe([b, a]);
    }

    [Fact]
    public async Task ListAuditAsync_Cursor_PagesWithoutGapsOrRepeats()
    {
        await using var s = await OpenAsync();
        var audit = s.Port<IAuditStore>();
        var all = Enumerable.Range(0, 5).Select(i => Entry(i, AuditActions.UserErased, target: "u" + i)).ToList();
        foreach (var e in all)
        {
            await audit.AppendAsync(e, None);
        }

        var one = await audit.ListAuditAsync(new AuditSearch(), 2, null, None);
        var two = await audit.ListAuditAsync(new AuditSearch(), 2, one[^1].Id, None);
        var three = await audit.ListAuditAsync(new AuditSearch(), 2, two[^1].Id, None);

        one.Concat(two).Concat(three).ShouldBe(Enumerable.Reverse(all));
    }

    [Fact]
    public async Task PurgeAuditAsync_Cutoff_RemovesOnlyOlderEntriesInBatches()
    {
        await using var s = await OpenAsync();
        var audit = s.Port<IAuditStore>();
        var old = Enumerable.Range(0, 5).Select(i => Entry(-100 - i, AuditActions.DlqReplayed, target: "dlv" + i)).ToList();
        var kept = Entry(0, AuditActions.DlqReplayed, target: "dlv-kept");
        foreach (var e in old.Append(kept))
        {
            await audit.AppendAsync(e, None);
        }

        var removed = await audit.PurgeAuditAsync(Now.AddMinutes(-1), 2, None);

        removed.ShouldBe(5);
        (await audit.ListAuditAsync(new AuditSearch(), 10, null, None)).ShouldBe([kept]);
    }
}

public sealed class SqliteAuditTests : AuditContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresAuditTests : AuditContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
