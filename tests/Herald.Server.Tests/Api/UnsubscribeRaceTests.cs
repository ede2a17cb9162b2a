using System.Net;
using System.Text.Json.Nodes;
using Herald.Providers.Tracking;
using Herald.Server.Tests.Infrastructure;
using Herald.Testing;

namespace Herald.Server.Tests.Api;

/// <summary>Herald with a known tracking secret (so the test can sign unsubscribe links), on SQLite or on PostgreSQL.</summary>
public abstract class UnsubscribeFixture : HeraldServerFixture
{
    public const string TrackingSecret = "test-tracking-secret-0123456789abcdef";

    /// <summary>Storage settings (none: the embedded SQLite file).</summary>
    protected virtual Dictionary<string, string?> EngineSettings => [];

    protected override IReadOnlyDictionary<string, string?> ExtraSettings =>
        new Dictionary<string, string?>(EngineSettings) { ["Herald:Security:TrackingSecret"] = TrackingSecret };
}

public sealed class SqliteUnsubscribeFixture : UnsubscribeFixture;

public sealed class PostgresUnsubscribeFixture : UnsubscribeFixture
{
    private readonly Dictionary<string, string?> _engine = new()
    {
        ["Herald:Storage:Engine"] = "postgres",
        ["Herald:Storage:Postgres:ConnectionString"] = ExternalServices.NewDatabase("herald_unsubscribe"),
    };

    protected override Dictionary<string, string?> EngineSettings => _engine;
}

/// <summary>
/// One-click unsubscribe edits the user's preferences in one transaction: racing it against other unsubscribes and against
/// <c>PUT …/preferences</c> loses nothing. The PUT replaces the whole rule set, so the outcome must be one of the serial
/// orders: the PUT's rules all present, and an unsubscribe gone only when the PUT came after it.
/// </summary>
public abstract class UnsubscribeRaceTests(UnsubscribeFixture herald)
{
    private readonly string _template = HeraldServerFixture.NewId("unsubscribe-race");
    private static readonly TrackingTokens Tokens = new() { Secret = System.Text.Encoding.UTF8.GetBytes(UnsubscribeFixture.TrackingSecret) };

    [Fact]
    public async Task Unsubscribe_ConcurrentForDifferentEventTypes_EveryOneSurvives()
    {
        var user = await UserAsync("unsub-many");
        var links = await LinksAsync(user, [.. Enumerable.Range(0, 12).Select(i => $"many.{i}")]);

        await Task.WhenAll(links.Select(l => PostAsync(l.Link)));

        var rules = await RulesAsync(user);
        rules.Select(r => r.Str("event_type")).ShouldBe(links.Select(l => l.EventType), ignoreOrder: true);
        rules.ShouldAllBe(r => r.Str("channel") == "email" && !r["enabled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Unsubscribe_RacingPreferencePuts_EveryEditSurvives()
    {
        var user = await UserAsync("unsub-put");
        const int Rounds = 8;
        const int PerRound = 3;
        var links = await LinksAsync(user, [.. Enumerable.Range(0, Rounds * PerRound).Select(i => $"put.{i}")]);
        var kept = new List<string>();
        for (var round = 0; round < Rounds; round++)
        {
            // The client keeps what earlier rounds unsubscribed and edits one rule of its own.
            var edit = $"edit.{round}";
            var put = new JsonObject
            {
                ["rules"] = new JsonArray([.. kept.Select(e => Rule(e, "email", false)), Rule(edit, "sms", false)]),
            };
            var racing = links.Skip(round * PerRound).Take(PerRound).ToList();
            await Task.WhenAll([PutAsync(user, put), .. racing.Select(l => PostAsync(l.Link))]);

            var after = (await RulesAsync(user)).Select(r => r.Str("event_type")).ToList();
            after.ShouldContain(edit, $"round {round}: the PUT's edit was lost");
            after.ShouldBeSubsetOf([.. kept, edit, .. racing.Select(l => l.EventType)], $"round {round}: an earlier state came back");
            kept.ForEach(e => after.ShouldContain(e, $"round {round}: an earlier unsubscribe was lost"));

            // An unsubscribe the PUT replaced (it came first) is posted again, so the next round starts from all of them.
            foreach (var (eventType, link) in racing.Where(l => !after.Contains(l.EventType)))
            {
                await PostAsync(link);
            }

            kept.AddRange(racing.Select(l => l.EventType));
            (await RulesAsync(user)).Select(r => r.Str("event_type")).ShouldBe([.. kept, edit], ignoreOrder: true);
        }
    }

    private async Task<string> UserAsync(string prefix)
    {
        await herald.CreateTemplateAsync(_template, new JsonObject { ["email"] = new JsonObject { ["subject"] = "News", ["html"] = "<p>News</p>", ["text"] = "News" } });
        var user = HeraldServerFixture.NewId(prefix);
        await herald.PutUserAsync(user, email: $"{user}@example.com");
        return user;
    }

    /// <summary>Sends one email per event type and returns each delivery's signed unsubscribe link.</summary>
    private async Task<List<(string EventType, string Link)>> LinksAsync(string user, string[] eventTypes)
    {
        var ids = await Task.WhenAll(eventTypes.Select(e => herald.SendAsync(new JsonObject { ["event_type"] = e, ["recipient_id"] = user, ["template_id"] = _template })));
        var links = new List<(string, string)>();
        foreach (var (eventType, id) in eventTypes.Zip(ids))
        {
            var n = await herald.WaitForNotificationAsync(id, x => x["deliveries"]!.AsArray().Count == 1, TimeSpan.FromSeconds(20));
            links.Add((eventType, $"/t/u/{Tokens.Create(TrackingLink.Unsubscribe, n["deliveries"]![0].Str("id"))}"));
        }

        return links;
    }

    private async Task PostAsync(string link)
    {
        using var client = herald.CreateClient();
        using var response = await client.PostAsync(new Uri(link, UriKind.Relative), new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private async Task PutAsync(string user, JsonObject body)
    {
        using var response = await herald.Client.PutJsonAsync($"/api/v1/users/{user}/preferences", body);
        await response.ShouldHaveStatusAsync(200);
    }

    private async Task<List<JsonNode>> RulesAsync(string user) =>
        [.. (await herald.Client.GetJsonAsync($"/api/v1/users/{user}/preferences"))["rules"]!.AsArray().Select(r => r!)];

    private static JsonObject Rule(string eventType, string channel, bool enabled) =>
        new() { ["event_type"] = eventType, ["channel"] = channel, ["enabled"] = enabled };
}

public sealed class SqliteUnsubscribeRaceTests(SqliteUnsubscribeFixture herald) : UnsubscribeRaceTests(herald), IClassFixture<SqliteUnsubscribeFixture>;

public sealed class PostgresUnsubscribeRaceTests(PostgresUnsubscribeFixture herald) : UnsubscribeRaceTests(herald), IClassFixture<PostgresUnsubscribeFixture>;
