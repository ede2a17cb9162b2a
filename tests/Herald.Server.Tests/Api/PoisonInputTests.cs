using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;
using Herald.Testing;

namespace Herald.Server.Tests.Api;

/// <summary>Herald on PostgreSQL, where a NUL in text cannot be stored (the engine the finding was reproduced on).</summary>
public sealed class PostgresPoisonFixture : HeraldServerFixture
{
    private readonly Dictionary<string, string?> _settings = new()
    {
        ["Herald:Storage:Engine"] = "postgres",
        ["Herald:Storage:Postgres:ConnectionString"] = ExternalServices.NewDatabase("herald_poison"),
    };

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => _settings;
}

/// <summary>
/// Issue 16, "one bad row fails everyone": a NUL or an unpaired surrogate anywhere in a request is refused at the edge,
/// naming the field, and never reaches a group commit that other requests share.
/// </summary>
public abstract class PoisonInputTests(HeraldServerFixture server)
{
    private const int Good = 30;

    [Fact]
    public async Task Send_NulRecipientRacingGoodSends_Returns400ForItAloneAndDeliversTheOthers()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var users = Enumerable.Range(0, Good).Select(_ => HeraldServerFixture.NewId("user")).ToList();
        var bad = HeraldServerFixture.NewId("user") + "\u0000x";

        var sends = users.Select(u => server.Client.PostJsonAsync("/api/v1/notifications",
            new JsonObject { ["event_type"] = template, ["recipient_id"] = u, ["data"] = new JsonObject { ["name"] = u } })).ToList();
        var poison = server.Client.PostJsonAsync("/api/v1/notifications",
            new JsonObject { ["event_type"] = template, ["recipient_id"] = bad, ["data"] = new JsonObject { ["name"] = "x" } });
        var responses = await Task.WhenAll(sends.Append(poison)).WaitAsync(TimeSpan.FromSeconds(30));

        try
        {
            var problem = await responses[^1].ShouldBeProblemAsync(400, "validation", "recipient_id");
            problem.ErrorFor("recipient_id").ShouldContain("NUL");
            var ids = new List<string>();
            foreach (var response in responses[..^1])
            {
                ids.Add((await response.ShouldHaveStatusAsync(202)).Str("id"));
            }

            foreach (var (id, user) in ids.Zip(users))
            {
                await server.WaitForCompletedAsync(id);
                var feed = await server.GetFeedAsync(user);
                feed["notifications"]!.AsArray().Select(i => i.Str("title")).ShouldBe([$"Hello {user}"]);
            }
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Theory]
    [InlineData("""{"event_type":"T","recipient_id":"U","data":{"name":"\ud800"}}""", "data.name", "unpaired surrogate")]
    [InlineData("""{"event_type":"T","recipient_id":"U","data":{"name":"x","list":["a","b\udc00c"]}}""", "data.list[1]", "unpaired surrogate")]
    [InlineData("""{"event_type":"T","recipient_id":"U","data":{"name":"a\u0000b"}}""", "data.name", "NUL")]
    [InlineData("""{"event_type":"T","recipient_id":"U","data":{"name":"x","k\u0000":1}}""", "data", "NUL")]
    [InlineData("""{"event_type":"T","recipient_id":"U","data":{"name":"x"},"idempotency_key":"k\ud800"}""", "idempotency_key", "unpaired surrogate")]
    public async Task Send_BadUnicodeInBody_Returns400NamingTheFieldAndStoresNothing(string template, string field, string why)
    {
        var user = HeraldServerFixture.NewId("user");
        var templateId = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(templateId);
        var body = template.Replace("\"T\"", $"\"{templateId}\"", StringComparison.Ordinal).Replace("\"U\"", $"\"{user}\"", StringComparison.Ordinal);

        using var response = await server.Client.SendJsonAsync(HttpMethod.Post, "/api/v1/notifications", body);

        var problem = await response.ShouldBeProblemAsync(400, "validation", field);
        problem.ErrorFor(field).ShouldContain(why);
        (await server.ListNotificationsAsync(user)).ShouldBeEmpty();
    }

    [Fact]
    public async Task PutUser_NulInProfileField_Returns400NamingIt()
    {
        var user = HeraldServerFixture.NewId("user");

        using var response = await server.Client.SendJsonAsync(HttpMethod.Put, $"/api/v1/users/{user}", """{"locale":"fr","timezone":"Europe/Paris\u0000"}""");

        var problem = await response.ShouldBeProblemAsync(400, "validation", "timezone");
        problem.ErrorFor("timezone").ShouldContain("NUL");
    }

    [Theory]
    [InlineData("/api/v1/notifications?recipient_id=a%00b", "recipient_id", "NUL")]
    [InlineData("/api/v1/notifications?event_type=x%00", "event_type", "NUL")]
    public async Task Get_NulInQuery_Returns400NamingTheParameter(string url, string field, string why)
    {
        using var response = await server.Client.GetAsync(new Uri(url, UriKind.Relative));

        var problem = await response.ShouldBeProblemAsync(400, "validation", field);
        problem.ErrorFor(field).ShouldContain(why);
    }

    [Fact]
    public async Task PutUser_ControlCharacterInUserId_Returns400NamingIt()
    {
        using var response = await server.Client.SendJsonAsync(HttpMethod.Put, $"/api/v1/users/{Uri.EscapeDataString("user\u0001x")}", """{"locale":"fr"}""");

        var problem = await response.ShouldBeProblemAsync(400, "validation", "user_id");
        problem.ErrorFor("user_id").ShouldContain("control character");
    }
}

public sealed class SqlitePoisonInputTests(HeraldServerFixture server) : PoisonInputTests(server), IClassFixture<HeraldServerFixture>;

public sealed class PostgresPoisonInputTests(PostgresPoisonFixture server) : PoisonInputTests(server), IClassFixture<PostgresPoisonFixture>;
