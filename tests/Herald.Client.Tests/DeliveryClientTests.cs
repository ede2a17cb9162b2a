using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace Herald.Client.Tests;

/// <summary>Campaigns, digest rules and webhook endpoints (HeraldClient.Delivery.cs) against the live server.</summary>
public sealed class DeliveryClientTests(ClientServerFixture server) : IClassFixture<ClientServerFixture>
{
    private readonly HeraldClient _client = server.NewClient();

    [Fact]
    public async Task CreateCampaignAsync_ScheduledThenPausedResumedCancelled_EachStateReadBack()
    {
        var ct = ClientServerFixture.Timeout();
        var eventType = await ClientServerFixture.PublishedTemplateAsync(_client, ct);
        var request = new CreateCampaignRequest(eventType)
        {
            Name = "spring-sale",
            RecipientIds = [ClientServerFixture.NewId("r"), ClientServerFixture.NewId("r")],
            Data = new JsonObject { ["name"] = "friend" },
            ScheduledAt = DateTimeOffset.UtcNow.AddDays(30).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            Rate = 5,
            IdempotencyKey = ClientServerFixture.NewId("campaign-key"),
        };

        var created = await _client.CreateCampaignAsync(request, ct);
        var replayed = await _client.CreateCampaignAsync(request, ct);
        var added = await _client.AddCampaignRecipientsAsync(created.Id, [ClientServerFixture.NewId("r")], ct);
        var paused = await _client.PauseCampaignAsync(created.Id, ct);
        var resumed = await _client.ResumeCampaignAsync(created.Id, ct);
        var cancelled = await _client.CancelCampaignAsync(created.Id, ct);
        var read = await _client.GetCampaignAsync(created.Id, ct);

        created.Kind.ShouldBe(CampaignKind.Campaign);
        created.Status.ShouldBe(CampaignStatus.Scheduled);
        created.Name.ShouldBe("spring-sale");
        created.EventType.ShouldBe(eventType);
        created.Priority.ShouldBe(Priority.Low);
        created.Rate.ShouldBe(5);
        replayed.Id.ShouldBe(created.Id);
        added.ShouldBe(new CampaignRecipientsAdded(created.Id, 1));
        paused.Status.ShouldBe(CampaignStatus.Paused);
        resumed.Status.ShouldBe(CampaignStatus.Scheduled);
        cancelled.Status.ShouldBe(CampaignStatus.Cancelled);
        read.Status.ShouldBe(CampaignStatus.Cancelled);
        read.Progress.Released.ShouldBe(0);
        var again = await Should.ThrowAsync<HeraldApiException>(() => _client.CancelCampaignAsync(created.Id, ct));
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        again.Type.ShouldNotBeNull().ShouldStartWith("https://herald.dev/problems/");
    }

    [Fact]
    public async Task CreateCampaignAsync_TopicAndRecipients_ThrowsTheValidationProblem()
    {
        var ex = await Should.ThrowAsync<HeraldApiException>(() => _client.CreateCampaignAsync(
            new CreateCampaignRequest("any.event") { Topic = "news", RecipientIds = ["u1"] }, ClientServerFixture.Timeout()));

        ClientServerFixture.ShouldBeValidation(ex, "topic", "give exactly one audience: 'topic' or 'recipient_ids'");
    }

    [Fact]
    public async Task GetCampaignAsync_Unknown_Throws404()
    {
        var ex = await Should.ThrowAsync<HeraldApiException>(() => _client.GetCampaignAsync("cmp_missing", ClientServerFixture.Timeout()));

        ClientServerFixture.ShouldBeNotFound(ex);
    }

    [Fact]
    public async Task PutDigestRuleAsync_ThenGetListDelete_RoundTripsThen404()
    {
        var ct = ClientServerFixture.Timeout();
        var template = await ClientServerFixture.PublishedTemplateAsync(_client, ct);
        var eventType = ClientServerFixture.NewId("digest.event");

        var put = await _client.PutDigestRuleAsync(eventType, new DigestRuleRequest(template) { Window = "PT5M", MaxItems = 20, Batch = true }, ct);
        var read = await _client.GetDigestRuleAsync(eventType, ct);
        var listed = await _client.ListDigestRulesAsync(ct);
        await _client.DeleteDigestRuleAsync(eventType, ct);
        var gone = await Should.ThrowAsync<HeraldApiException>(() => _client.GetDigestRuleAsync(eventType, ct));

        put.ShouldBe(new DigestRule(eventType, "PT5M", 20, null, template, false, true));
        read.ShouldBe(put);
        listed.ShouldContain(put);
        (await _client.ListDigestRulesAsync(ct)).ShouldNotContain(r => r.EventType == eventType);
        ClientServerFixture.ShouldBeNotFound(gone);
    }

    [Fact]
    public async Task PutDigestRuleAsync_WindowNotADuration_ThrowsTheValidationProblem()
    {
        var ct = ClientServerFixture.Timeout();
        var template = await ClientServerFixture.PublishedTemplateAsync(_client, ct);

        var ex = await Should.ThrowAsync<HeraldApiException>(() =>
            _client.PutDigestRuleAsync(ClientServerFixture.NewId("digest.event"), new DigestRuleRequest(template) { Window = "forever", Batch = true }, ct));

        ClientServerFixture.ShouldBeValidation(ex, "window", "'window' must be an ISO 8601 duration between PT1S and P7D (for example PT5M); got 'forever'");
    }

    [Fact]
    public async Task CreateWebhookEndpointAsync_ThenPageDisableEnableDelete_RoundTripsThen404()
    {
        var ct = ClientServerFixture.Timeout();
        var recipient = ClientServerFixture.NewId("hook-user");
        var made = new List<WebhookEndpoint>();
        for (var i = 0; i < 3; i++)
        {
            made.Add(await _client.CreateWebhookEndpointAsync(new WebhookEndpointRequest($"http://127.0.0.1:9/hooks/{i}")
            {
                RecipientId = recipient,
                EventTypes = ["order.*"],
                Description = $"test {i}",
            }, ct));
        }

        var listed = await ClientServerFixture.AllPagesAsync(2, cursor => _client.ListWebhookEndpointsAsync(limit: 2, cursor: cursor, cancellationToken: ct),
            page => page.Endpoints, page => page.NextCursor);

        var read = await _client.GetWebhookEndpointAsync(made[0].Id, ct);
        var disabled = await _client.DisableWebhookEndpointAsync(made[0].Id, ct);
        var enabled = await _client.EnableWebhookEndpointAsync(made[0].Id, ct);
        await _client.DeleteWebhookEndpointAsync(made[0].Id, ct);
        var gone = await Should.ThrowAsync<HeraldApiException>(() => _client.GetWebhookEndpointAsync(made[0].Id, ct));

        made.ShouldAllBe(e => e.Secret != null && e.Enabled && e.RecipientId == recipient);
        listed.Select(e => e.Id).ShouldBeUnique();
        listed.Where(e => e.RecipientId == recipient).Select(e => e.Id).Order(StringComparer.Ordinal).ShouldBe(made.Select(e => e.Id).Order(StringComparer.Ordinal));
        read.Secret.ShouldBeNull();
        read.Url.ShouldBe("http://127.0.0.1:9/hooks/0");
        read.EventTypes.ShouldBe(["order.*"]);
        read.Description.ShouldBe("test 0");
        disabled.Enabled.ShouldBeFalse();
        enabled.Enabled.ShouldBeTrue();
        ClientServerFixture.ShouldBeNotFound(gone);
    }

    [Fact]
    public async Task CreateWebhookEndpointAsync_NotAUrl_ThrowsTheValidationProblem()
    {
        var ex = await Should.ThrowAsync<HeraldApiException>(() =>
            _client.CreateWebhookEndpointAsync(new WebhookEndpointRequest("not a url"), ClientServerFixture.Timeout()));

        ClientServerFixture.ShouldBeValidation(ex, "url", "'url' must be an absolute http or https URL");
    }
}
