using Herald.Core.Domain;
using Herald.Core.Templates;
using Herald.Core.Tests.Pipeline;

namespace Herald.Core.Tests.Templates;

public class TemplateLibrariesTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task GetAsync_WriteThenChanged_ReadsTheNewLibrary()
    {
        await using var temp = await TempSqliteStore.CreateAsync();
        using var libraries = new TemplateLibraries(temp.Library, new FakeTimeProvider(Start));
        await temp.Library.PutPartialAsync("env_a", new StoredPartial("sig", "old", Start), CancellationToken.None);
        (await libraries.GetAsync("env_a", CancellationToken.None)).FindPartial("sig")!.Source.ShouldBe("old");

        await temp.Library.PutPartialAsync("env_a", new StoredPartial("sig", "new", Start), CancellationToken.None);
        var cached = await libraries.GetAsync("env_a", CancellationToken.None);
        libraries.Changed("env_a");
        var fresh = await libraries.GetAsync("env_a", CancellationToken.None);

        cached.FindPartial("sig")!.Source.ShouldBe("old");
        fresh.FindPartial("sig")!.Source.ShouldBe("new");
    }

    [Fact]
    public async Task GetAsync_SignalLost_ReadsAgainAfterMaxAge()
    {
        await using var temp = await TempSqliteStore.CreateAsync();
        var clock = new FakeTimeProvider(Start);
        using var libraries = new TemplateLibraries(temp.Library, clock);
        (await libraries.GetAsync("env_a", CancellationToken.None)).FindLayout("default").ShouldBeNull();
        await temp.Library.PutLayoutAsync("env_a", new StoredLayout("default", null, "{{{body}}}", null, Start), CancellationToken.None);

        (await libraries.GetAsync("env_a", CancellationToken.None)).FindLayout("default").ShouldBeNull();
        clock.Advance(TemplateLibraries.MaxAge + TimeSpan.FromSeconds(1));
        (await libraries.GetAsync("env_a", CancellationToken.None)).FindLayout("default").ShouldNotBeNull();
    }

    [Fact]
    public async Task GetAsync_TwoEnvironments_EachSeesOnlyItsOwnLayoutsAndPartials()
    {
        await using var temp = await TempSqliteStore.CreateAsync();
        using var libraries = new TemplateLibraries(temp.Library, new FakeTimeProvider(Start));
        await temp.Library.PutLayoutAsync("env_a", new StoredLayout("default", null, "A{{{body}}}", null, Start), CancellationToken.None);
        await temp.Library.PutPartialAsync("env_a", new StoredPartial("sig", "A", Start), CancellationToken.None);

        var b = await libraries.GetAsync("env_b", CancellationToken.None);
        libraries.Changed("env_a");

        b.FindLayout("default").ShouldBeNull();
        b.FindPartial("sig").ShouldBeNull();
        (await libraries.GetAsync("env_a", CancellationToken.None)).FindLayout("default")!.Html.ShouldBe("A{{{body}}}");
    }
}
