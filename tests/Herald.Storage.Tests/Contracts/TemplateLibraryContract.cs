using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Layouts and partials: create or replace, read, list, delete, each environment's apart.</summary>
public abstract class TemplateLibraryContract
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    protected abstract Task<StoreHandle> OpenAsync();

    [Fact]
    public async Task PutLayoutAsync_CreateThenReplace_ReportsCreatedOnceAndKeepsTheLast()
    {
        await using var s = await OpenAsync();
        var store = s.Port<ITemplateLibraryStore>();

        (await store.PutLayoutAsync(Environments.Default, new StoredLayout("default", "brand", "<b>{{{body}}}</b>", null, Now), CancellationToken.None)).ShouldBeTrue();
        (await store.PutLayoutAsync(Environments.Default, new StoredLayout("default", null, "<i>{{{body}}}</i>", "{{body}}", Now.AddMinutes(1)), CancellationToken.None)).ShouldBeFalse();

        var layout = await store.GetLayoutAsync(Environments.Default, "default", CancellationToken.None);
        layout.ShouldBe(new StoredLayout("default", null, "<i>{{{body}}}</i>", "{{body}}", Now.AddMinutes(1)));
    }

    [Fact]
    public async Task DeleteLayoutAsync_Existing_RemovesItOnce()
    {
        await using var s = await OpenAsync();
        var store = s.Port<ITemplateLibraryStore>();
        await store.PutLayoutAsync(Environments.Default, new StoredLayout("promo", null, "{{{body}}}", null, Now), CancellationToken.None);

        (await store.DeleteLayoutAsync(Environments.Default, "promo", CancellationToken.None)).ShouldBeTrue();
        (await store.DeleteLayoutAsync(Environments.Default, "promo", CancellationToken.None)).ShouldBeFalse();
        (await store.GetLayoutAsync(Environments.Default, "promo", CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task PartialAsync_PutListDelete_InNameOrder()
    {
        await using var s = await OpenAsync();
        var store = s.Port<ITemplateLibraryStore>();

        (await store.PutPartialAsync(Environments.Default, new StoredPartial("sig", "-- {{team}}", Now), CancellationToken.None)).ShouldBeTrue();
        (await store.PutPartialAsync(Environments.Default, new StoredPartial("Header", "<h1>x</h1>", Now), CancellationToken.None)).ShouldBeTrue();
        (await store.PutPartialAsync(Environments.Default, new StoredPartial("sig", "-- ACME", Now.AddMinutes(1)), CancellationToken.None)).ShouldBeFalse();

        (await store.ListPartialsAsync(Environments.Default, CancellationToken.None)).ShouldBe([new StoredPartial("Header", "<h1>x</h1>", Now), new StoredPartial("sig", "-- ACME", Now.AddMinutes(1))]);
        (await store.DeletePartialAsync(Environments.Default, "sig", CancellationToken.None)).ShouldBeTrue();
        (await store.GetPartialAsync(Environments.Default, "sig", CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task LayoutsAndPartials_SameIdInTwoEnvironments_AreTwoRows()
    {
        await using var s = await OpenAsync();
        var store = s.Port<ITemplateLibraryStore>();
        await store.PutLayoutAsync("env_a", new StoredLayout("default", null, "A{{{body}}}", null, Now), CancellationToken.None);
        await store.PutPartialAsync("env_a", new StoredPartial("sig", "A", Now), CancellationToken.None);

        (await store.PutLayoutAsync("env_b", new StoredLayout("default", null, "B{{{body}}}", null, Now), CancellationToken.None)).ShouldBeTrue();
        (await store.GetPartialAsync("env_b", "sig", CancellationToken.None)).ShouldBeNull();
        (await store.ListPartialsAsync("env_b", CancellationToken.None)).ShouldBeEmpty();
        (await store.DeletePartialAsync("env_b", "sig", CancellationToken.None)).ShouldBeFalse();

        (await store.GetLayoutAsync("env_a", "default", CancellationToken.None))!.Html.ShouldBe("A{{{body}}}");
        (await store.ListLayoutsAsync("env_b", CancellationToken.None)).Select(l => l.Html).ShouldBe(["B{{{body}}}"]);
        (await store.GetPartialAsync("env_a", "sig", CancellationToken.None))!.Source.ShouldBe("A");
    }
}

public sealed class SqliteTemplateLibraryTests : TemplateLibraryContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresTemplateLibraryTests : TemplateLibraryContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
