using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Core.Webhooks;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Lifecycle;

public sealed class LifecycleDistributedTests(DistributedServerFixture server) : IClassFixture<DistributedServerFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Send_PostgresAndRabbitMq_OperationalEndpointReceivesAcceptedAndSent()
    {
        using var anonymous = server.CreateClient();
        var ready = "";
        await Polling.WaitUntilAsync(async () =>
        {
            using var response = await anonymous.GetAsync(new Uri("/readyz", UriKind.Relative));
            ready = await response.Content.ReadAsStringAsync();
            return response.IsSuccessStatusCode;
        }, Wait, "readyz answers 200").ContinueWith(t => t.IsFaulted ? throw new TimeoutException($"readyz: {ready}") : t, TaskScheduler.Default).Unwrap();
        ready.ShouldContain("rabbitmq", Case.Insensitive);
        await using var receiver = await WebhookReceiver.StartAsync();
        using var created = await server.Client.PostJsonAsync("/api/v1/webhook-endpoints", new JsonObject
        {
            ["url"] = receiver.Url.ToString(), ["event_types"] = new JsonArray("notification.accepted", "delivery.*"),
        });
        var endpoint = await created.ShouldHaveStatusAsync(201);
        endpoint["recipient_id"].ShouldBeNull();
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);

        var id = await server.SendAsync(new JsonObject
        {
            ["event_type"] = "order.shipped", ["template_id"] = template, ["recipient_id"] = HeraldServerFixture.NewId("user"),
            ["channels"] = new JsonArray("in_app"), ["data"] = new JsonObject { ["name"] = "Ada" },
        });

        await Polling.WaitUntilAsync(() => Task.FromResult(Types(receiver, id).Contains("notification.accepted") && Types(receiver, id).Contains("delivery.sent")),
            Wait, "accepted and sent reach the operational endpoint");
        foreach (var r in receiver.Received)
        {
            StandardWebhookSigner.Verify(endpoint.Str("secret"), r.Id, long.Parse(r.Timestamp, CultureInfo.InvariantCulture), r.Body, r.Signature,
                DateTimeOffset.UtcNow.ToUnixTimeSeconds()).ShouldBeTrue();
            JsonNode.Parse(r.Body)!["data"].StrOrNull("recipient_id").ShouldNotBe("_ops");
        }
    }

    private static List<string?> Types(WebhookReceiver receiver, string notificationId) =>
        [.. receiver.Received.Select(r => JsonNode.Parse(r.Body)!).Where(p => p["data"].StrOrNull("notification_id") == notificationId).Select(p => p.StrOrNull("type"))];
}
