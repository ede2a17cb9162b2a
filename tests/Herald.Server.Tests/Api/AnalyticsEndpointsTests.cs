using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

public sealed class AnalyticsEndpointsTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private HttpClient Client => server.Client;

    private static string Rfc3339(DateTimeOffset at) => Uri.EscapeDataString(at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));

    private static JsonNode Group(JsonNode summary, string key) =>
        summary["groups"]!.AsArray().SingleOrDefault(g => g!["key"]?.GetValue<string>() == key) ?? throw new KeyNotFoundException($"no group '{key}' in {summary.ToJsonString()}");

    private static long Count(JsonNode group, string name) => group["counts"]![name]!.GetValue<long>();

    [Fact]
    public async Task Get_AfterNotificationsAreSent_CountsThemPerEventTypeChannelAndProvider()
    {
        var from = DateTimeOffset.UtcNow.AddSeconds(-1);
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template, allChannels: true);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            // No push device: each notification gets in_app, email and sms deliveries, all to the feed or the capture provider.
            var user = HeraldServerFixture.NewId("user");
            await server.PutUserAsync(user, email: $"a{i}@example.com", phone: $"+1415555010{i}");
            ids.Add(await server.SendAsync(new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["data"] = new JsonObject { ["name"] = "A" } }));
        }

        foreach (var id in ids)
        {
            await server.WaitForCompletedAsync(id).WaitAsync(Bound);
        }

        var window = $"from={Rfc3339(from)}&to={Rfc3339(DateTimeOffset.UtcNow.AddSeconds(1))}";
        var byEvent = await Client.GetJsonAsync($"/api/v1/analytics?{window}&group_by=event_type").WaitAsync(Bound);
        var byChannel = await Client.GetJsonAsync($"/api/v1/analytics?{window}&group_by=channel").WaitAsync(Bound);
        var byProvider = await Client.GetJsonAsync($"/api/v1/analytics?{window}&group_by=provider").WaitAsync(Bound);

        byEvent.Str("group_by").ShouldBe("event_type");
        var mine = Group(byEvent, template);
        Count(mine, "total").ShouldBe(9);
        Count(mine, "sent").ShouldBe(9);
        Count(mine, "queued").ShouldBe(0);
        Count(mine, "failed").ShouldBe(0);
        // The feed and the capture provider send no delivery receipts: delivered stays 0, so the open rate has no denominator.
        Count(mine, "delivered").ShouldBe(0);
        mine["rates"]!["delivery_rate"]!.GetValue<double>().ShouldBe(0);
        mine["rates"]!["open_rate"].ShouldBeNull();
        mine["rates"]!["failure_rate"]!.GetValue<double>().ShouldBe(0);
        var latency = mine["latency_ms"]!;
        var (p50, p95, p99) = (latency["p50"]!.GetValue<long>(), latency["p95"]!.GetValue<long>(), latency["p99"]!.GetValue<long>());
        p50.ShouldBeGreaterThanOrEqualTo(0);
        p95.ShouldBeGreaterThanOrEqualTo(p50);
        p99.ShouldBeGreaterThanOrEqualTo(p95);
        p99.ShouldBeLessThan((long)Bound.TotalMilliseconds * 2);
        foreach (var channel in new[] { "in_app", "email", "sms" })
        {
            Count(Group(byChannel, channel), "sent").ShouldBe(3);
        }

        Count(byChannel["total"]!, "sent").ShouldBe(9);
        Count(Group(byProvider, "capture"), "sent").ShouldBe(6);
        Count(Group(byProvider, "feed"), "sent").ShouldBe(3);
        DateTimeOffset.Parse(byEvent.Str("from"), CultureInfo.InvariantCulture).ShouldBe(from, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Get_NoWindow_DefaultsToTheLast24Hours()
    {
        var before = DateTimeOffset.UtcNow;

        var summary = await Client.GetJsonAsync("/api/v1/analytics").WaitAsync(Bound);

        var to = DateTimeOffset.Parse(summary.Str("to"), CultureInfo.InvariantCulture);
        var from = DateTimeOffset.Parse(summary.Str("from"), CultureInfo.InvariantCulture);
        to.ShouldBeGreaterThanOrEqualTo(before.AddSeconds(-1));
        (to - from).ShouldBe(TimeSpan.FromHours(24));
        summary.Str("group_by").ShouldBe("channel");
        summary["total"]!["counts"]!["total"]!.GetValue<long>().ShouldBeGreaterThanOrEqualTo(0);
    }

    public static TheoryData<string, string, string> BadQueries => new()
    {
        { "from=yesterday", "from", "RFC 3339" },
        { "to=2026-05-01", "to", "RFC 3339" },
        { "from=2026-05-01T12:00:00+02:00", "from", "%2B" },
        { "from=2026-05-01T12:00:00Z&to=2026-05-01T12:00:00Z", "to", "earlier" },
        { "from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z", "to", "earlier" },
        { "from=2099-01-01T00:00:00Z", "from", "earlier" },
        { "from=2026-01-01T00:00:00Z&to=2026-04-04T00:00:01Z", "from", "93 days" },
        { "group_by=recipient", "group_by", "channel, event_type or provider" },
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task Get_BadQuery_Returns400ProblemNamingTheParameter(string query, string field, string hint)
    {
        using var response = await Client.GetAsync(new Uri("/api/v1/analytics?" + query, UriKind.Relative)).WaitAsync(Bound);

        var problem = await response.ShouldBeProblemAsync(400, "validation", field);
        problem.RootElement.GetProperty("title").GetString().ShouldBe("The request is invalid.");
        problem.ErrorFor(field).ShouldContain(hint);
        problem.Detail().ShouldStartWith(field + ":");
    }

    [Fact]
    public async Task Get_ExactlyNinetyThreeDays_IsAccepted()
    {
        using var response = await Client.GetAsync(new Uri("/api/v1/analytics?from=2026-01-01T00:00:00Z&to=2026-04-04T00:00:00Z", UriKind.Relative)).WaitAsync(Bound);

        (await response.ShouldHaveStatusAsync(200)).Str("to").ShouldStartWith("2026-04-04T00:00:00");
    }

    [Fact]
    public async Task Get_NoApiKey_Returns401Problem()
    {
        using var anonymous = server.CreateClient();

        using var response = await anonymous.GetAsync(new Uri("/api/v1/analytics", UriKind.Relative)).WaitAsync(Bound);

        (await response.ShouldBeProblemAsync(401, "unauthorized")).Detail().ShouldContain("Bearer");
    }

    [Fact]
    public async Task Get_SendOnlyKey_Returns403Problem()
    {
        var key = "hk_" + Guid.NewGuid().ToString("N");
        await server.CreateApiKeyAsync(key, "send");
        using var client = server.CreateClient(key);

        using var response = await client.GetAsync(new Uri("/api/v1/analytics", UriKind.Relative)).WaitAsync(Bound);

        (await response.ShouldBeProblemAsync(403, "forbidden")).Detail().ShouldContain("'read'");
    }

    [Fact]
    public async Task OpenApi_Analytics_DocumentsItsResponsesAndParameters()
    {
        using var anonymous = server.CreateClient();

        var get = (await anonymous.GetJsonAsync("/openapi/v1.json").WaitAsync(Bound))["paths"]!["/api/v1/analytics"]!["get"]!;

        get["responses"]!.AsObject().Select(r => r.Key).ShouldBe(["200", "400", "401", "403", "429"], ignoreOrder: true);
        get["parameters"]!.AsArray().Select(p => p.Str("name")).ShouldBe(["from", "to", "group_by"], ignoreOrder: true);
    }
}
