using System.Net;
using System.Text.Json.Nodes;
using Herald.Testing;

namespace Herald.Client.Tests;

/// <summary>API keys, dead letters, the audit log and readiness (HeraldClient.Operations.cs) against the live server.</summary>
public sealed class OperationsClientTests(ClientServerFixture server) : IClassFixture<ClientServerFixture>
{
    private readonly HeraldClient _client = server.NewClient();

    [Fact]
    public async Task CreateApiKeyAsync_ThenListLimitRotateRevoke_EachReadBack()
    {
        var ct = ClientServerFixture.Timeout();
        var name = ClientServerFixture.NewId("key");

        var created = await _client.CreateApiKeyAsync(new CreateApiKeyRequest(name, [ApiKeyScopes.NotificationsRead]) { RequestsPerSecond = 50 }, ct);
        var listed = await _client.ListApiKeysAsync(ct);
        var limited = await _client.SetApiKeyLimitsAsync(created.Key.Id, new ApiKeyLimits { NotificationsPerSecond = 7 }, ct);
        var rotated = await _client.RotateApiKeyAsync(created.Key.Id, overlapSeconds: 60, ct);
        var me = await server.NewClient(rotated.Secret).GetCurrentKeyAsync(ct);
        var revoked = await _client.RevokeApiKeyAsync(created.Key.Id, ct);
        var refused = await Should.ThrowAsync<HeraldApiException>(() => server.NewClient(rotated.Secret).GetCurrentKeyAsync(ct));

        created.Secret.ShouldStartWith("hk_");
        created.Key.Name.ShouldBe(name);
        created.Key.Scopes.ShouldBe([ApiKeyScopes.NotificationsRead]);
        created.Key.RequestsPerSecond.ShouldBe(50);
        listed.Where(k => k.Name == name).ShouldHaveSingleItem().Id.ShouldBe(created.Key.Id);
        limited.RequestsPerSecond.ShouldBeNull();
        limited.NotificationsPerSecond.ShouldBe(7);
        rotated.Secret.ShouldNotBe(created.Secret);
        rotated.Key.PreviousSecretExpiresAt.ShouldNotBeNull();
        me.Id.ShouldBe(created.Key.Id);
        me.Scopes.ShouldBe([ApiKeyScopes.NotificationsRead]);
        revoked.RevokedAt.ShouldNotBeNull();
        (await _client.GetApiKeyAsync(created.Key.Id, ct)).RevokedAt.ShouldBe(revoked.RevokedAt);
        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task CreateApiKeyAsync_UnknownScope_ThrowsTheProblemNamingIt()
    {
        var ex = await Should.ThrowAsync<HeraldApiException>(() =>
            _client.CreateApiKeyAsync(new CreateApiKeyRequest("x", ["everything"]), ClientServerFixture.Timeout()));

        ex.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        ex.Type.ShouldBe("https://herald.dev/problems/validation");
        ex.Detail.ShouldNotBeNull().ShouldContain("unknown scope 'everything'");
        ex.Errors.ShouldNotBeEmpty();
    }

    [Fact]
    public async Task GetApiKeyAsync_Unknown_Throws404()
    {
        var ex = await Should.ThrowAsync<HeraldApiException>(() => _client.GetApiKeyAsync("key_missing", ClientServerFixture.Timeout()));

        ClientServerFixture.ShouldBeNotFound(ex);
    }

    [Fact]
    public async Task ListDeadLettersAsync_TwoDeadWebhooks_PagedReadAndReplayed()
    {
        var ct = ClientServerFixture.Timeout(60);
        var eventType = await ClientServerFixture.PublishedTemplateAsync(_client, ct);
        var recipient = ClientServerFixture.NewId("dead-user");
        var endpoint = await _client.CreateWebhookEndpointAsync(new WebhookEndpointRequest($"http://127.0.0.1:{HeraldProcess.FreePort()}/closed") { RecipientId = recipient }, ct);
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            ids.Add((await _client.SendNotificationAsync(new SendNotificationRequest(eventType)
            {
                RecipientId = recipient, Channels = [Channel.Webhook], Data = new JsonObject { ["name"] = $"n{i}" },
            }, ct)).Id);
        }

        var dead = await ClientServerFixture.EventuallyAsync(async () => await ReadAllDeadAsync(ct) is var all && ids.All(id => all.Any(d => d.NotificationId == id))
            ? all.Where(d => ids.Contains(d.NotificationId)).ToList()
            : null, ct);
        var one = await _client.GetDeadLetterAsync(dead[0].DeliveryId, ct);
        var replayed = await _client.ReplayDeadLetterAsync(dead[0].DeliveryId, ct);
        var recovery = await _client.RecoverWebhookEndpointAsync(endpoint.Id, new WebhookRecoverRequest(DateTimeOffset.UtcNow.AddHours(-1)), ct);

        dead.Count.ShouldBe(2);
        dead.ShouldAllBe(d => d.Channel == Channel.Webhook && d.RecipientId == recipient && d.EventType == eventType && d.Status == "dead");
        one.ShouldBe(dead[0] with { Content = one.Content });
        replayed.DeliveryId.ShouldBe(dead[0].DeliveryId);
        recovery.EndpointId.ShouldBe(endpoint.Id);
    }

    [Fact]
    public async Task ReplayDeadLetterAsync_Unknown_Throws404WithTheDetail()
    {
        var ex = await Should.ThrowAsync<HeraldApiException>(() => _client.ReplayDeadLetterAsync("dlv_missing", ClientServerFixture.Timeout()));

        ClientServerFixture.ShouldBeNotFound(ex);
        ex.Detail.ShouldNotBeNull().ShouldContain("dlv_missing");
    }

    [Fact]
    public async Task ListAuditEntriesAsync_KeyCreatedAndRotated_PagesNewestFirst()
    {
        var ct = ClientServerFixture.Timeout();
        var key = (await _client.CreateApiKeyAsync(new CreateApiKeyRequest(ClientServerFixture.NewId("audit"), [ApiKeyScopes.ContentRead]), ct)).Key;
        await _client.RotateApiKeyAsync(key.Id, 60, ct);
        var admin = await _client.GetCurrentKeyAsync(ct);

        var first = await _client.ListAuditEntriesAsync(new AuditQuery { Target = key.Id, Limit = 1 }, ct);
        var second = await _client.ListAuditEntriesAsync(new AuditQuery { Target = key.Id, Limit = 1, Cursor = first.NextCursor }, ct);
        var third = await _client.ListAuditEntriesAsync(new AuditQuery { Target = key.Id, Limit = 1, Cursor = second.NextCursor }, ct);
        var filtered = await _client.ListAuditEntriesAsync(new AuditQuery { Target = key.Id, Action = "key.created", From = DateTimeOffset.UtcNow.AddHours(-1) }, ct);
        var future = await _client.ListAuditEntriesAsync(new AuditQuery { Target = key.Id, From = DateTimeOffset.UtcNow.AddDays(1) }, ct);

        first.Entries.ShouldHaveSingleItem().Action.ShouldBe("key.rotated");
        first.NextCursor.ShouldNotBeNull();
        second.Entries.ShouldHaveSingleItem().Action.ShouldBe("key.created");
        second.Entries[0].Actor.ShouldBe(admin.Id);
        third.Entries.ShouldBeEmpty();
        third.NextCursor.ShouldBeNull();
        filtered.Entries.ShouldHaveSingleItem().Id.ShouldBe(second.Entries[0].Id);
        future.Entries.ShouldBeEmpty();
    }

    [Fact]
    public async Task ListAuditEntriesAsync_UnknownAction_ThrowsTheValidationProblem()
    {
        var ex = await Should.ThrowAsync<HeraldApiException>(() =>
            _client.ListAuditEntriesAsync(new AuditQuery { Action = "key.eaten" }, ClientServerFixture.Timeout()));

        ex.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        ex.Detail.ShouldNotBeNull().ShouldContain("'key.eaten' is not an audited action");
    }

    [Fact]
    public async Task GetReadinessAsync_RunningServer_IsReadyWithChecks()
    {
        var health = await server.NewClient(apiKey: null).GetReadinessAsync(ClientServerFixture.Timeout());

        health.Status.ShouldBe("ready");
        health.Checks.Keys.ShouldContain("store");
    }

    [Fact]
    public async Task ListTemplatesAsync_AfterPublish_ContainsItsLatestVersion()
    {
        var ct = ClientServerFixture.Timeout();
        var id = await ClientServerFixture.PublishedTemplateAsync(_client, ct);

        var latest = (await _client.ListTemplatesAsync(ct)).Where(t => t.TemplateId == id).ShouldHaveSingleItem();

        latest.Version.ShouldBe(1);
        latest.Status.ShouldBe("published");
        latest.PublishedAt.ShouldNotBeNull();
    }

    private async Task<List<DeadLetter>> ReadAllDeadAsync(CancellationToken ct)
    {
        var all = await ClientServerFixture.AllPagesAsync(1, cursor => _client.ListDeadLettersAsync(Channel.Webhook, limit: 1, cursor: cursor, cancellationToken: ct),
            page => page.DeadLetters, page => page.NextCursor);
        all.Select(d => d.DeliveryId).ShouldBeUnique();
        return all;
    }
}
