using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;
using Herald.Server.Tests.Observability;

namespace Herald.Server.Tests.Workflows;

/// <summary>An embedded server whose retention runs every 300 ms and keeps finished notifications 2 s, feed items a day, audit entries 3 s.</summary>
public sealed class RetentionServerFixture : HeraldServerFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Herald:Retention:Interval"] = "00:00:00.300",
        ["Herald:Retention:Notifications"] = "00:00:02",
        ["Herald:Retention:Feed"] = "1.00:00:00",
        ["Herald:Retention:Audit"] = "00:00:03",
    };
}

/// <summary>
/// Retention through the HTTP API on the embedded store: finished notifications leave once past the retention, while a
/// notification scheduled beyond it and an unsent (deferred) delivery stay, and feed items follow their own retention.
/// PostgreSQL drops whole months, so a run cannot remove this month's rows there: its store contract covers it
/// (PostgresRetentionTests) with a month made old.
/// </summary>
public sealed class RetentionTests(RetentionServerFixture server) : IClassFixture<RetentionServerFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private HttpClient Client => server.Client;

    [Fact]
    public async Task RetentionRun_AuditEntryPastRetention_Removed()
    {
        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user);
        var path = $"/api/v1/audit?target={user}";
        (await Client.GetJsonAsync(path))["entries"]!.AsArray().ShouldHaveSingleItem()!.Str("action").ShouldBe("user.updated");

        await Polling.WaitUntilAsync(async () => (await Client.GetJsonAsync(path))["entries"]!.AsArray().Count == 0, Bound,
            "the audit entry was never removed");
    }

    [Fact]
    public async Task RetentionRun_FinishedPastRetention_RemovedWhileScheduledDeferredAndFeedStay()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var user = HeraldServerFixture.NewId("user");
        var waiting = HeraldServerFixture.NewId("user");
        // The second user only takes messages two hours from now: their delivery waits, deferred.
        var start = DateTimeOffset.UtcNow.AddHours(2).UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture);
        var end = DateTimeOffset.UtcNow.AddHours(3).UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture);
        var window = new JsonObject { ["days"] = new JsonArray("mon", "tue", "wed", "thu", "fri", "sat", "sun"), ["start"] = start, ["end"] = end, ["timezone"] = "UTC" };
        using (var prefs = await Client.PutJsonAsync($"/api/v1/users/{waiting}/preferences", new JsonObject
        {
            ["rules"] = new JsonArray(new JsonObject { ["event_type"] = "*", ["channel"] = "*", ["send_window"] = window }),
        }))
        {
            await prefs.ShouldHaveStatusAsync(200);
        }

        var done = await server.SendAsync(Request(template, user, "done"));
        await server.WaitForCompletedAsync(done);
        var scheduled = await server.SendAsync(Request(template, user, "later", DateTimeOffset.UtcNow.AddHours(1)));
        var deferred = await server.SendAsync(Request(template, waiting, "held"));
        await server.WaitForNotificationAsync(deferred, n => n["deliveries"]!.AsArray().Any(d => d.Str("status") == "deferred"), Bound);

        await Polling.WaitUntilAsync(async () =>
        {
            using var response = await Client.GetAsync(new Uri($"/api/v1/notifications/{done}", UriKind.Relative));
            return response.StatusCode == System.Net.HttpStatusCode.NotFound;
        }, Bound, "the finished notification was never removed");

        (await server.GetNotificationAsync(scheduled)).Str("status").ShouldBe("scheduled");
        var held = await server.GetNotificationAsync(deferred);
        held.Str("status").ShouldBe("processing");
        held["deliveries"]!.AsArray().ShouldHaveSingleItem()!.Str("status").ShouldBe("deferred");
        held["trace"]!.AsArray().ShouldNotBeEmpty();
        (await server.GetFeedAsync(user))["notifications"]!.AsArray().Select(i => i.Str("notification_id")).ShouldBe([done]);
        MetricsText.Value(await MetricsText.ScrapeAsync(Client), "herald_retention_removed_total{kind=\"notifications\"}").ShouldBeGreaterThanOrEqualTo(1);
    }

    private static JsonObject Request(string template, string user, string name, DateTimeOffset? at = null)
    {
        var request = new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = user, ["channels"] = new JsonArray("in_app"), ["data"] = new JsonObject { ["name"] = name },
        };
        if (at is not null)
        {
            request["scheduled_at"] = at;
        }

        return request;
    }
}
