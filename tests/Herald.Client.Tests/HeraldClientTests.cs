using System.Net;
using System.Text.Json.Nodes;

namespace Herald.Client.Tests;

public sealed class HeraldClientTests(ClientServerFixture server) : IClassFixture<ClientServerFixture>
{
    private readonly HeraldClient _client = server.NewClient();

    [Fact]
    public async Task SendNotificationAsync_ThenGet_RoundTrips()
    {
        var ct = ClientServerFixture.Timeout();
        var eventType = await ClientServerFixture.PublishedTemplateAsync(_client, ct);
        var recipient = ClientServerFixture.NewId("ada");

        var accepted = await _client.SendNotificationAsync(new SendNotificationRequest(eventType)
        {
            RecipientId = recipient,
            Priority = Priority.Urgent,
            Channels = [Channel.InApp],
            Data = new JsonObject { ["name"] = "Ada" },
        }, ct);
        var notification = await _client.GetNotificationAsync(accepted.Id, ct);

        accepted.Id.ShouldNotBeNullOrWhiteSpace();
        notification.Id.ShouldBe(accepted.Id);
        notification.EventType.ShouldBe(eventType);
        notification.RecipientId.ShouldBe(recipient);
        notification.Priority.ShouldBe(Priority.Urgent);
        notification.TemplateId.ShouldBe(eventType);
        var page = await _client.ListNotificationsAsync(new NotificationQuery { RecipientId = recipient }, ct);
        page.Notifications.Select(n => n.Id).ShouldBe([accepted.Id]);
    }

    [Fact]
    public async Task SendNotificationAsync_SameIdempotencyKey_ReturnsSameId()
    {
        var ct = ClientServerFixture.Timeout();
        var eventType = await ClientServerFixture.PublishedTemplateAsync(_client, ct);
        var request = new SendNotificationRequest(eventType)
        {
            RecipientId = "bob",
            Data = new JsonObject { ["name"] = "Bob" },
            IdempotencyKey = ClientServerFixture.NewId("key"),
        };

        var first = await _client.SendNotificationAsync(request, ct);
        var second = await _client.SendNotificationAsync(request, ct);

        second.Id.ShouldBe(first.Id);
    }

    [Fact]
    public async Task SendNotificationAsync_NoIdempotencyKey_EachCallIsANewNotification()
    {
        var ct = ClientServerFixture.Timeout();
        var eventType = await ClientServerFixture.PublishedTemplateAsync(_client, ct);
        var request = new SendNotificationRequest(eventType) { RecipientId = "cy", Data = new JsonObject { ["name"] = "Cy" } };

        var first = await _client.SendNotificationAsync(request, ct);
        var second = await _client.SendNotificationAsync(request, ct);

        second.Id.ShouldNotBe(first.Id);
    }

    [Fact]
    public async Task SendNotificationAsync_MissingTemplateVariable_ThrowsProblemAs422()
    {
        var ct = ClientServerFixture.Timeout();
        var eventType = await ClientServerFixture.PublishedTemplateAsync(_client, ct);

        var ex = await Should.ThrowAsync<HeraldApiException>(() =>
            _client.SendNotificationAsync(new SendNotificationRequest(eventType) { RecipientId = "dee" }, ct));

        ex.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        ex.Type.ShouldBe("https://herald.dev/problems/missing-template-variable");
        ex.Title.ShouldBe("The request cannot be processed.");
        ex.Detail.ShouldNotBeNull().ShouldContain("name");
        ex.Errors.ShouldNotBeEmpty();
        ex.TraceId.ShouldNotBeNullOrWhiteSpace();
        ex.Message.ShouldBe(ex.Detail);
        ex.Problem.ShouldNotBeNull()["trace_id"]!.GetValue<string>().ShouldBe(ex.TraceId);
    }

    [Fact]
    public async Task SendNotificationAsync_EmptyEventType_ThrowsValidationProblemWithFieldErrors()
    {
        var ex = await Should.ThrowAsync<HeraldApiException>(() =>
            _client.SendNotificationAsync(new SendNotificationRequest("") { RecipientId = "eve" }, ClientServerFixture.Timeout()));

        ex.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        ex.Type.ShouldBe("https://herald.dev/problems/validation");
        ex.Errors.Keys.ShouldContain("event_type");
        ex.Errors["event_type"].ShouldHaveSingleItem().ShouldContain("128 characters");
    }

    [Fact]
    public async Task GetNotificationAsync_WithoutKey_ThrowsUnauthorized()
    {
        var ex = await Should.ThrowAsync<HeraldApiException>(() =>
            server.NewClient(apiKey: null).GetNotificationAsync("n-1", ClientServerFixture.Timeout()));

        ex.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task SendNotificationBatchAsync_ThreeRecipients_AcceptsThree()
    {
        var ct = ClientServerFixture.Timeout();
        var eventType = await ClientServerFixture.PublishedTemplateAsync(_client, ct);

        var batch = await _client.SendNotificationBatchAsync(
            new SendBatchRequest(eventType, ["b1", "b2", "b3"]) { Data = new JsonObject { ["name"] = "all" } }, ct);

        batch.Accepted.ShouldBe(3);
        batch.BatchId.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task CancelNotificationAsync_Scheduled_IsCancelled()
    {
        var ct = ClientServerFixture.Timeout();
        var eventType = await ClientServerFixture.PublishedTemplateAsync(_client, ct);
        var accepted = await _client.SendNotificationAsync(new SendNotificationRequest(eventType)
        {
            RecipientId = "fay",
            Data = new JsonObject { ["name"] = "Fay" },
            ScheduledAt = DateTimeOffset.UtcNow.AddHours(1),
        }, ct);

        var cancelled = await _client.CancelNotificationAsync(accepted.Id, ct);

        cancelled.Status.ShouldBe("cancelled");
        (await _client.GetNotificationAsync(accepted.Id, ct)).Status.ShouldBe("cancelled");
    }

    [Fact]
    public async Task GetTemplateAsync_AfterPublish_ShowsPublishedVersion()
    {
        var ct = ClientServerFixture.Timeout();
        var id = await ClientServerFixture.PublishedTemplateAsync(_client, ct);

        var template = await _client.GetTemplateAsync(id, ct);

        template.TemplateId.ShouldBe(id);
        template.PublishedVersion.ShouldBe(template.LatestVersion);
        template.Versions.ShouldContain(v => v.Version == template.LatestVersion && v.PublishedAt != null);
    }
}
