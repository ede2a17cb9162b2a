using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Core.Planning;
using Herald.Core.Templates;
using Herald.Core.Tests.Pipeline;

namespace Herald.Core.Tests.Planning;

/// <summary>The planner renders with the notification's environment's layouts and partials and the recipient's locale and time zone.</summary>
public sealed class PlannerTemplateLibraryTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task PlanBatchAsync_EmailInTwoEnvironments_EachWrappedInItsOwnLayoutInTheRecipientsLocaleAndZone()
    {
        await using var temp = await TempSqliteStore.CreateAsync();
        foreach (var environment in new[] { "env_a", "env_b" })
        {
            var definition = new JsonObject
            {
                ["variables"] = new JsonArray("at"),
                ["channels"] = new JsonObject { ["email"] = new JsonObject { ["subject"] = "Order", ["html"] = "<p>{{formatDate at \"dd. MMMM HH:mm\"}}</p>{{> sig}}" } },
            }.ToJsonString();
            var version = await temp.Templates.AddTemplateVersionAsync(environment, "welcome", null, definition, Now, None);
            await temp.Templates.PublishTemplateAsync(environment, "welcome", version, Now, None);
        }

        await temp.Users.UpsertUserAsync(new UserProfile("u1", "u1@example.com", null, "de-DE", "Europe/Berlin", Now, "env_a"), None);
        await temp.Users.UpsertUserAsync(new UserProfile("u1", "u1@example.com", null, "en-US", "America/New_York", Now, "env_b"), None);
        await temp.Library.PartialAsync("env_a", "<p>Team A</p>");
        await temp.Library.PartialAsync("env_b", "<p>Team B</p>");
        await temp.Library.PutLayoutAsync("env_a", new StoredLayout("default", null, "<div class=\"a\">{{{body}}}</div>", null, Now), None);
        using var libraries = new TemplateLibraries(temp.Library, TimeProvider.System);
        var planner = new Planner(temp.Users, temp.Endpoints, new TemplateCatalog(temp.Templates), new TemplateRenderer(), TimeProvider.System, libraries: libraries);

        var plans = await planner.PlanBatchAsync([Notification("ntf_a", "env_a"), Notification("ntf_b", "env_b")], None);

        var a = JsonNode.Parse(plans[0].Deliveries.ShouldHaveSingleItem().Content!)!;
        var b = JsonNode.Parse(plans[1].Deliveries.ShouldHaveSingleItem().Content!)!;
        a["html"]!.GetValue<string>().ShouldBe("<div class=\"a\"><p>25. Dezember 00:30</p><p>Team A</p></div>");
        a["text"]!.GetValue<string>().ShouldBe("25. Dezember 00:30\n\nTeam A");
        b["html"]!.GetValue<string>().ShouldBe("<p>24. December 18:30</p><p>Team B</p>");
    }

    private static Notification Notification(string id, string environment) =>
        new(id, "order.shipped", "u1", Priority.Normal, NotificationStatus.Accepted, "welcome", null, [Channel.Email], """{"at": "2026-12-24T23:30:00Z"}""", null, null, Now, Now,
            EnvironmentId: environment);
}

internal static class LibraryStoreExtensions
{
    public static Task<bool> PartialAsync(this Herald.Core.Storage.ITemplateLibraryStore store, string environment, string source) =>
        store.PutPartialAsync(environment, new StoredPartial("sig", source, DateTimeOffset.UnixEpoch), CancellationToken.None);
}
