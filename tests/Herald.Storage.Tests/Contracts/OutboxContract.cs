using Herald.Core.Domain;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>The capture provider's outbox: messages in insertion order, filtered and paged by id.</summary>
public abstract class OutboxContract
{
    private static readonly DateTimeOffset Now = DispatchSamples.Now;
    private static readonly CancellationToken None = CancellationToken.None;

    protected abstract Task<StoreHandle> OpenAsync();

    private static OutboxMessage Message(string deliveryId, Channel channel = Channel.Sms, string recipient = "u1") =>
        new(0, deliveryId, channel, "capture", recipient, "target-" + deliveryId, "{\"text\":\"" + deliveryId + "\"}", Now);

    private static async Task SeedAsync(StoreHandle s)
    {
        await s.Outbox.InsertOutboxAsync(Message("dlv_1"), None);
        await s.Outbox.InsertOutboxAsync(Message("dlv_2", Channel.Email), None);
        await s.Outbox.InsertOutboxAsync(Message("dlv_3", recipient: "u2"), None);
        await s.Outbox.InsertOutboxAsync(Message("dlv_4"), None);
    }

    [Fact]
    public async Task ListOutboxAsync_InsertionOrderWithIds()
    {
        await using var s = await OpenAsync();
        await SeedAsync(s);

        var all = await s.Outbox.ListOutboxAsync(null, null, 10, null, None);

        all.Select(m => m.DeliveryId).ShouldBe(["dlv_1", "dlv_2", "dlv_3", "dlv_4"]);
        all.Select(m => m.Id).ShouldBeInOrder(SortDirection.Ascending);
        all.Select(m => m.Id).Distinct().Count().ShouldBe(4);
        all[1].ShouldBe(Message("dlv_2", Channel.Email) with { Id = all[1].Id });
    }

    [Fact]
    public async Task ListOutboxAsync_FiltersAndPages()
    {
        await using var s = await OpenAsync();
        await SeedAsync(s);
        var all = await s.Outbox.ListOutboxAsync(null, null, 10, null, None);

        (await s.Outbox.ListOutboxAsync(Channel.Sms, null, 10, null, None)).Select(m => m.DeliveryId).ShouldBe(["dlv_1", "dlv_3", "dlv_4"]);
        (await s.Outbox.ListOutboxAsync(null, "u1", 10, null, None)).Select(m => m.DeliveryId).ShouldBe(["dlv_1", "dlv_2", "dlv_4"]);
        (await s.Outbox.ListOutboxAsync(Channel.Sms, "u1", 10, null, None)).Select(m => m.DeliveryId).ShouldBe(["dlv_1", "dlv_4"]);
        (await s.Outbox.ListOutboxAsync(null, null, 2, null, None)).Select(m => m.DeliveryId).ShouldBe(["dlv_1", "dlv_2"]);
        (await s.Outbox.ListOutboxAsync(null, null, 2, all[1].Id, None)).Select(m => m.DeliveryId).ShouldBe(["dlv_3", "dlv_4"]);
        (await s.Outbox.ListOutboxAsync(Channel.Push, null, 10, null, None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task InsertOutboxAsync_SameDeliveryAgain_KeepsTheFirstOnly()
    {
        await using var s = await OpenAsync();
        await s.Outbox.InsertOutboxAsync(Message("dlv_1"), None);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => s.Outbox.InsertOutboxAsync(Message("dlv_1") with { Message = "{\"text\":\"again\"}" }, None)));

        var all = await s.Outbox.ListOutboxAsync(null, null, 10, null, None);
        all.ShouldHaveSingleItem().Message.ShouldBe(Message("dlv_1").Message);
    }

    [Fact]
    public async Task OutboxHasDeliveryAsync_TrueOnlyForStoredDelivery()
    {
        await using var s = await OpenAsync();
        await SeedAsync(s);

        (await s.Outbox.OutboxHasDeliveryAsync("dlv_3", None)).ShouldBeTrue();
        (await s.Outbox.OutboxHasDeliveryAsync("dlv_9", None)).ShouldBeFalse();
    }
}

public sealed class SqliteOutboxTests : OutboxContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresOutboxTests : OutboxContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
