using System.Text.Json.Nodes;
using Herald.Core.Audit;
using Herald.Server.Tests.Infrastructure;
using Herald.Testing;

namespace Herald.Server.Tests.Api;

/// <summary>An SMS capture provider to switch off and on, and webhooks that go dead after one quick retry (a DLQ item to replay).</summary>
public class AuditServerFixture : HeraldServerFixture
{
    protected virtual IReadOnlyDictionary<string, string?> EngineSettings => new Dictionary<string, string?>();

    protected sealed override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(EngineSettings)
    {
        ["Herald:Providers:sms-audit:Type"] = "capture",
        ["Herald:Channels:sms:Providers"] = "sms-audit",
        ["Herald:Webhooks:RetrySchedule"] = "100ms",
    };
}

public sealed class PostgresAuditServerFixture : AuditServerFixture
{
    private readonly string _connection = ExternalServices.NewDatabase("herald_audit");

    protected override IReadOnlyDictionary<string, string?> EngineSettings => new Dictionary<string, string?>
    {
        ["Herald:Storage:Engine"] = "postgres",
        ["Herald:Storage:Postgres:ConnectionString"] = _connection,
    };
}

/// <summary>
/// GET /api/v1/audit through the HTTP API: each test acts with an admin key of its own, so the entries of that key are
/// exactly what the test did (the fixture's own key arranges what is needed).
/// </summary>
public abstract class AuditEndpointsTests(AuditServerFixture server)
{
    private HttpClient Client => server.Client;

    /// <summary>A new key with <paramref name="scopes"/>: a client sending it, and its id.</summary>
    private async Task<(HttpClient Client, string KeyId)> NewKeyAsync(params string[] scopes)
    {
        var key = HeraldServerFixture.NewId("key");
        await server.CreateApiKeyAsync(key, scopes);
        var client = server.CreateClient(key);
        return (client, (await client.GetJsonAsync("/api/v1/me")).Str("id"));
    }

    private async Task<string> ArrangeDeadWebhookAsync(WebhookReceiver receiver)
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var recipient = HeraldServerFixture.NewId("user");
        using (var endpoint = await Client.PostJsonAsync("/api/v1/webhook-endpoints", new JsonObject { ["recipient_id"] = recipient, ["url"] = receiver.Url.ToString() }))
        {
            await endpoint.ShouldHaveStatusAsync(201);
        }

        var id = await server.SendAsync(new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = recipient, ["channels"] = new JsonArray("webhook"), ["data"] = new JsonObject { ["name"] = "audit" },
        });
        var delivery = (await server.WaitForCompletedAsync(id))["deliveries"]!.AsArray().ShouldHaveSingleItem()!;
        delivery.Str("status").ShouldBe("dead");
        return delivery.Str("id");
    }

    private static async Task OkAsync(Task<HttpResponseMessage> request, int status = 200)
    {
        using var response = await request;
        await response.ShouldHaveStatusAsync(status);
    }

    private static List<(string Action, string Target)> Entries(JsonNode page) =>
        [.. page["entries"]!.AsArray().Select(e => (e.Str("action"), e.Str("target")))];

    [Fact]
    public async Task List_AfterOperatorActions_ShowsExactlyThoseNewestFirstWithActorAndTarget()
    {
        await using var receiver = await WebhookReceiver.StartAsync(statusCode: 500);
        var deliveryId = await ArrangeDeadWebhookAsync(receiver);
        var template = HeraldServerFixture.NewId("tpl");
        var version = await server.CreateTemplateAsync(template, new JsonObject { ["in_app"] = new JsonObject { ["title"] = "t", ["body"] = "b" } }, publish: false);
        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user, email: "audit.me@example.com");
        var (operatorClient, keyId) = await NewKeyAsync("admin");
        using var _ = operatorClient;

        await OkAsync(operatorClient.PostEmptyAsync($"/api/v1/templates/{template}/versions/{version}/publish"));
        await OkAsync(operatorClient.PostEmptyAsync($"/api/v1/dead-letters/{deliveryId}/replay"), 202);
        await OkAsync(operatorClient.PostEmptyAsync("/api/v1/providers/sms-audit/disable"));
        await OkAsync(operatorClient.PostEmptyAsync("/api/v1/providers/sms-audit/enable"));
        await OkAsync(operatorClient.DeleteAsync(new Uri($"/api/v1/users/{user}", UriKind.Relative)));

        var page = await Client.GetJsonAsync($"/api/v1/audit?actor={keyId}");

        Entries(page).ShouldBe([
            (AuditActions.UserErased, user), (AuditActions.ProviderEnabled, "sms-audit"), (AuditActions.ProviderDisabled, "sms-audit"),
            (AuditActions.DlqReplayed, deliveryId), (AuditActions.TemplatePublished, template)]);
        var entries = page["entries"]!.AsArray();
        entries.ShouldAllBe(e => e.Str("actor") == keyId && e.Str("id").StartsWith("aud_"));
        entries[^1]!["details"]!["version"]!.GetValue<int>().ShouldBe(version);
        entries[0]!["details"]!.Str("pseudonym").ShouldStartWith("erased-");
        entries.Select(e => e!["at"]!.GetValue<DateTimeOffset>()).ShouldBeInOrder(SortDirection.Descending);
        page["next_cursor"].ShouldBeNull();
        // Nothing in the entries of personal data: the user's email never reaches the log.
        page.ToJsonString().ShouldNotContain("audit.me@example.com");
    }

    [Fact]
    public async Task List_KeyLifecycle_RecordsCreatedRotatedRevokedWithoutTheSecret()
    {
        var (operatorClient, operatorId) = await NewKeyAsync("admin");
        using var _ = operatorClient;
        using var created = await operatorClient.PostJsonAsync("/api/v1/keys", new JsonObject { ["name"] = "audited", ["scopes"] = new JsonArray("notifications:send") });
        await created.ShouldHaveStatusAsync(201);
        var body = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        var id = body["key"]!.Str("id");
        using var rotated = await operatorClient.PostJsonAsync($"/api/v1/keys/{id}/rotate", new JsonObject { ["overlap_seconds"] = 60 });
        await rotated.ShouldHaveStatusAsync(200);
        var newSecret = JsonNode.Parse(await rotated.Content.ReadAsStringAsync())!.Str("secret");
        await OkAsync(operatorClient.PostEmptyAsync($"/api/v1/keys/{id}/revoke"));

        var page = await Client.GetJsonAsync($"/api/v1/audit?actor={operatorId}");

        Entries(page).ShouldBe([(AuditActions.KeyRevoked, id), (AuditActions.KeyRotated, id), (AuditActions.KeyCreated, id)]);
        page["entries"]![2]!["details"]!["scopes"]!.AsArray().Select(s => s!.GetValue<string>()).ShouldBe(["notifications:send"]);
        page["entries"]![1]!["details"]!["overlap_seconds"]!.GetValue<int>().ShouldBe(60);
        page.ToJsonString().ShouldNotContain(body.Str("secret"));
        page.ToJsonString().ShouldNotContain(newSecret);
    }

    [Fact]
    public async Task List_NotificationCancelled_RecordedWithEventTypeAndRecipient()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var recipient = HeraldServerFixture.NewId("user");
        var id = await server.SendAsync(new JsonObject
        {
            ["event_type"] = template, ["recipient_id"] = recipient, ["data"] = new JsonObject { ["name"] = "later" },
            ["scheduled_at"] = TimeProvider.System.GetUtcNow().AddHours(1),
        });
        var (operatorClient, keyId) = await NewKeyAsync("notifications:send");
        using var _ = operatorClient;

        await OkAsync(operatorClient.DeleteAsync(new Uri($"/api/v1/notifications/{id}", UriKind.Relative)));
        using (var again = await operatorClient.DeleteAsync(new Uri($"/api/v1/notifications/{id}", UriKind.Relative)))
        {
            await again.ShouldBeProblemAsync(409, "nothing-to-cancel");
        }

        var page = await Client.GetJsonAsync($"/api/v1/audit?actor={keyId}");

        Entries(page).ShouldBe([(AuditActions.NotificationCancelled, id)]);
        page["entries"]![0]!["details"]!.Str("event_type").ShouldBe(template);
        page["entries"]![0]!["details"]!.Str("recipient_id").ShouldBe(recipient);
    }

    [Fact]
    public async Task List_FiltersAndCursor_NarrowAndPageTheEntries()
    {
        var (operatorClient, keyId) = await NewKeyAsync("admin");
        using var _ = operatorClient;
        var start = TimeProvider.System.GetUtcNow().AddSeconds(-1);
        foreach (var state in new[] { "disable", "enable", "disable", "enable", "disable" })
        {
            await OkAsync(operatorClient.PostEmptyAsync($"/api/v1/providers/sms-audit/{state}"));
        }

        await OkAsync(operatorClient.PostEmptyAsync("/api/v1/providers/sms-audit/enable"));
        var end = TimeProvider.System.GetUtcNow().AddSeconds(1);

        Entries(await Client.GetJsonAsync($"/api/v1/audit?actor={keyId}&action=provider.disabled")).Count.ShouldBe(3);
        Entries(await Client.GetJsonAsync($"/api/v1/audit?actor={keyId}&target=sms-audit&action=provider.enabled")).Count.ShouldBe(3);
        Entries(await Client.GetJsonAsync($"/api/v1/audit?actor={keyId}&from={Rfc3339(end)}")).ShouldBeEmpty();
        Entries(await Client.GetJsonAsync($"/api/v1/audit?actor={keyId}&to={Rfc3339(start)}")).ShouldBeEmpty();
        Entries(await Client.GetJsonAsync($"/api/v1/audit?actor={keyId}&from={Rfc3339(start)}&to={Rfc3339(end)}")).Count.ShouldBe(6);

        var all = await Client.GetJsonAsync($"/api/v1/audit?actor={keyId}");
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var page = await Client.GetJsonAsync($"/api/v1/audit?actor={keyId}&limit=4" + (cursor is null ? "" : $"&cursor={cursor}"));
            ids.AddRange(page["entries"]!.AsArray().Select(e => e.Str("id")));
            cursor = page.StrOrNull("next_cursor");
        }
        while (cursor is not null && ids.Count < 100);

        ids.ShouldBe(all["entries"]!.AsArray().Select(e => e.Str("id")));
        ids.Count.ShouldBe(6);
    }

    [Fact]
    public async Task List_BootstrapKey_RecordedAsSystemAction()
    {
        var adminKeyId = (await Client.GetJsonAsync("/api/v1/me")).Str("id");

        var page = await Client.GetJsonAsync($"/api/v1/audit?actor=system&action=key.created");

        Entries(page).ShouldBe([(AuditActions.KeyCreated, adminKeyId)]);
    }

    [Fact]
    public async Task FailedActions_NotFoundOrConflict_WriteNothing()
    {
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);
        var (operatorClient, keyId) = await NewKeyAsync("admin");
        using var _ = operatorClient;

        using (var publish = await operatorClient.PostEmptyAsync($"/api/v1/templates/{template}/versions/99/publish"))
        {
            await publish.ShouldBeProblemAsync(404, "not-found");
        }

        using (var replay = await operatorClient.PostEmptyAsync("/api/v1/dead-letters/dlv_unknown/replay"))
        {
            await replay.ShouldBeProblemAsync(404, "not-found");
        }

        using (var disable = await operatorClient.PostEmptyAsync("/api/v1/providers/nope/disable"))
        {
            await disable.ShouldBeProblemAsync(404, "not-found");
        }

        using (var cancel = await operatorClient.DeleteAsync(new Uri("/api/v1/notifications/ntf_unknown", UriKind.Relative)))
        {
            await cancel.ShouldBeProblemAsync(404, "not-found");
        }

        using (var badUser = await operatorClient.DeleteAsync(new Uri("/api/v1/users/a%0Ab", UriKind.Relative)))
        {
            ((int)badUser.StatusCode).ShouldBe(400);
        }

        Entries(await Client.GetJsonAsync($"/api/v1/audit?actor={keyId}")).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("read")]
    [InlineData("send")]
    [InlineData("content:read")]
    public async Task List_KeyWithoutAdmin_Returns403Problem(string scope)
    {
        var (client, _) = await NewKeyAsync(scope);
        using var __ = client;

        using var response = await client.GetAsync(new Uri("/api/v1/audit", UriKind.Relative));

        (await response.ShouldBeProblemAsync(403, "forbidden")).Detail().ShouldContain("'admin'");
    }

    [Theory]
    [InlineData("action=template.deleted", "action")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-13-01T00:00:00Z", "to")]
    public async Task List_BadFilter_Returns400Problem(string query, string field)
    {
        using var response = await Client.GetAsync(new Uri("/api/v1/audit?" + query, UriKind.Relative));

        await response.ShouldBeProblemAsync(400, "validation", field);
    }

    [Fact]
    public async Task OpenApi_AuditAction_ListsEveryAction()
    {
        var document = await server.CreateClient().GetJsonAsync("/openapi/v1.json");

        var filter = document["paths"]!["/api/v1/audit"]!["get"]!["parameters"]!.AsArray().Single(p => p.Str("name") == "action")!;
        filter["schema"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()).ShouldBe(AuditActions.All);
        document["components"]!["schemas"]!["AuditEntryResponse"]!["properties"]!["action"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>())
            .ShouldBe(AuditActions.All);
    }

    private static string Rfc3339(DateTimeOffset at) => Uri.EscapeDataString(at.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
}

public sealed class SqliteAuditEndpointsTests(AuditServerFixture server) : AuditEndpointsTests(server), IClassFixture<AuditServerFixture>;

public sealed class PostgresAuditEndpointsTests(PostgresAuditServerFixture server) : AuditEndpointsTests(server), IClassFixture<PostgresAuditServerFixture>;
