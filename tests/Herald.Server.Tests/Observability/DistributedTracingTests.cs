using System.Diagnostics;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Observability;

/// <summary>
/// The queue hop: the relay's publish span carries the trace into the RabbitMQ message's traceparent header, and the
/// consumer's deliver span is its child: API → ingest → plan → publish → deliver → provider, one trace.
/// </summary>
public sealed class DistributedTracingTests(DistributedServerFixture server) : IClassFixture<DistributedServerFixture>
{
    [Fact]
    public async Task Send_WithTraceparent_PublishSpanParentsTheConsumer()
    {
        using var recorder = new SpanRecorder();
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template, allChannels: true);
        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user, phone: "+15550100888");

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/notifications")
        {
            Content = new StringContent(new JsonObject
            {
                ["event_type"] = template, ["recipient_id"] = user, ["channels"] = new JsonArray("sms"), ["data"] = new JsonObject { ["name"] = "d" },
            }.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", recorder.TraceParent);
        using var response = await server.Client.SendAsync(request);
        var id = (await response.ShouldHaveStatusAsync(202)).Str("id");
        // Three hops through PostgreSQL and RabbitMQ on a shared 2-core machine: a wider bound than the embedded test's.
        await server.WaitForNotificationAsync(id, n => n.Str("status") == "completed", TimeSpan.FromSeconds(60));
        await Polling.WaitUntilAsync(() => Task.FromResult(recorder.Named("herald.provider.send").Count == 1), TimeSpan.FromSeconds(30),
            "the provider span never finished");

        var api = recorder.Spans.Single(s => s.Source.Name == "Microsoft.AspNetCore" && s.Kind == ActivityKind.Server);
        var plan = recorder.ChildOf(recorder.ChildOf(api, "herald.ingest"), "herald.plan");
        var publish = recorder.ChildOf(plan, "herald.publish");
        publish.Kind.ShouldBe(ActivityKind.Producer);
        publish.GetTagItem("messaging.system").ShouldBe("rabbitmq");
        var deliver = recorder.ChildOf(publish, "herald.deliver");
        deliver.GetTagItem("herald.channel").ShouldBe("sms");
        recorder.ChildOf(deliver, "herald.provider.send").GetTagItem("herald.provider").ShouldBe("sms-capture");
    }
}
