using System.Diagnostics;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Trace;

namespace Herald.Server.Tests.Observability;

/// <summary>
/// One notification, traced from the caller's traceparent: API request → ingest → plan → deliver → provider call, every
/// span in the same trace and each the child of the one before, in the embedded mode (lanes over SQLite).
/// </summary>
public sealed class TracingTests(MetricsServerFixture server) : IClassFixture<MetricsServerFixture>
{
    [Fact]
    public async Task Send_WithTraceparent_OneTraceFromApiThroughPlanAndLaneToProvider()
    {
        using var recorder = new SpanRecorder();
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template, allChannels: true);
        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user, phone: "+15550100777");

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/notifications")
        {
            Content = JsonContent(new JsonObject
            {
                ["event_type"] = template, ["recipient_id"] = user, ["channels"] = new JsonArray("in_app", "sms"), ["data"] = new JsonObject { ["name"] = "t" },
            }),
        };
        request.Headers.Add("traceparent", recorder.TraceParent);
        using var response = await server.Client.SendAsync(request);
        var id = (await response.ShouldHaveStatusAsync(202)).Str("id");
        await server.WaitForCompletedAsync(id);
        await Polling.WaitUntilAsync(() => Task.FromResult(recorder.Named("herald.provider.send").Count == 1 && recorder.Named("herald.deliver").Count == 2),
            Polling.DefaultTimeout, "the deliver and provider spans never finished");

        var api = recorder.Spans.Single(s => s.Source.Name == "Microsoft.AspNetCore");
        api.Kind.ShouldBe(ActivityKind.Server);
        api.ParentSpanId.ShouldBe(recorder.ClientSpanId);
        var ingest = recorder.ChildOf(api, "herald.ingest");
        ingest.GetTagItem("herald.event_type").ShouldBe(template);
        var plan = recorder.ChildOf(ingest, "herald.plan");
        plan.GetTagItem("herald.notification_id").ShouldBe(id);
        var sms = recorder.ChildOf(plan, "herald.deliver", s => (string?)s.GetTagItem("herald.channel") == "sms");
        sms.Kind.ShouldBe(ActivityKind.Consumer);
        sms.GetTagItem("herald.status").ShouldBe("sent");
        recorder.ChildOf(plan, "herald.deliver", s => (string?)s.GetTagItem("herald.channel") == "in_app").GetTagItem("herald.outcome").ShouldBe("sent");
        var provider = recorder.ChildOf(sms, "herald.provider.send");
        provider.Kind.ShouldBe(ActivityKind.Client);
        provider.GetTagItem("herald.provider").ShouldBe("sms-capture");
        provider.GetTagItem("herald.outcome").ShouldBe("sent");
        recorder.Spans.ShouldAllBe(s => s.TraceId == recorder.TraceId);
    }

    [Fact]
    public async Task Send_NotSampled_StartsNoPipelineSpans()
    {
        using var recorder = new SpanRecorder();
        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template);

        // A traceparent of another trace: the recorder samples only its own, so this notification is not traced.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/notifications")
        {
            Content = JsonContent(new JsonObject { ["event_type"] = template, ["recipient_id"] = HeraldServerFixture.NewId("user"), ["data"] = new JsonObject { ["name"] = "u" } }),
        };
        request.Headers.Add("traceparent", $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using var response = await server.Client.SendAsync(request);
        await server.WaitForCompletedAsync((await response.ShouldHaveStatusAsync(202)).Str("id"));

        recorder.Spans.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(null, SamplingDecision.Drop)]
    [InlineData("false", SamplingDecision.Drop)]
    [InlineData("true", SamplingDecision.RecordAndSample)]
    public void Sampler_CallerSaysSampledAndRatioIsZero_FollowsTheCallerOnlyWhenTrusted(string? trust, SamplingDecision expected)
    {
        var settings = new Dictionary<string, string?> { ["Herald:Tracing:SampleRatio"] = "0", ["Herald:Tracing:TrustIncomingSampling"] = trust };
        var sampler = Herald.Server.Observability.Tracing.Sampler(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        var traceId = ActivityTraceId.CreateRandom();
        var caller = new ActivityContext(traceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);

        var result = sampler.ShouldSample(new SamplingParameters(caller, traceId, "POST /api/v1/notifications", ActivityKind.Server));

        result.Decision.ShouldBe(expected);
    }

    [Fact]
    public void Sampler_LocalParentSampled_ChildIsSampledWhateverTheRatio()
    {
        var settings = new Dictionary<string, string?> { ["Herald:Tracing:SampleRatio"] = "0" };
        var sampler = Herald.Server.Observability.Tracing.Sampler(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        var traceId = ActivityTraceId.CreateRandom();
        var parent = new ActivityContext(traceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: false);

        sampler.ShouldSample(new SamplingParameters(parent, traceId, "herald.plan", ActivityKind.Internal)).Decision.ShouldBe(SamplingDecision.RecordAndSample);
    }

    private static StringContent JsonContent(JsonObject body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
}
