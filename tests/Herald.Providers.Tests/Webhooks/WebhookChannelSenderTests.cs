using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Core.Webhooks;
using Herald.Providers.Webhooks;

namespace Herald.Providers.Tests.Webhooks;

/// <summary>A lane's batch of webhook sends reads its endpoints in one store call, with the same outcomes as one at a time.</summary>
public sealed class WebhookChannelSenderTests : IAsyncLifetime
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private LoopbackReceiver receiver = null!;

    public async Task InitializeAsync() => receiver = await LoopbackReceiver.StartAsync();

    public async Task DisposeAsync() => await receiver.DisposeAsync();

    [Fact]
    public async Task PrepareAsync_Batch_OneStoreCallPerEnvironment_OutcomesAsSentOneByOne()
    {
        var store = new Endpoints(
            Endpoint("whe_on", receiver.Url("/status/200")),
            Endpoint("whe_off", receiver.Url("/status/200")) with { Enabled = false, DisabledReason = "paused" },
            Endpoint("whe_other", receiver.Url("/status/200"), "env_other"));
        var sender = Sender(store);
        Delivery[] batch =
        [
            Delivery("dlv_1", "whe_on"), Delivery("dlv_2", "whe_on"), Delivery("dlv_3", "whe_off"), Delivery("dlv_4", "whe_deleted"),
            Delivery("dlv_5", "whe_other", "env_other"), Delivery("dlv_6", "whe_other"),
        ];

        var send = await sender.PrepareAsync(batch, CancellationToken.None);
        var outcomes = new List<DeliveryOutcome>();
        foreach (var d in batch)
        {
            outcomes.Add((await send(d, CancellationToken.None)).Outcome);
        }

        store.BatchCalls.ShouldBe(2, "one per environment");
        store.SingleCalls.ShouldBe(0);
        outcomes[0].ShouldBeOfType<DeliveryOutcome.Sent>();
        outcomes[1].ShouldBeOfType<DeliveryOutcome.Sent>();
        outcomes[2].ShouldBe(new DeliveryOutcome.Held("webhook endpoint is disabled: paused"));
        outcomes[3].ShouldBe(new DeliveryOutcome.InvalidTarget("webhook endpoint was deleted"));
        outcomes[4].ShouldBeOfType<DeliveryOutcome.Sent>();
        outcomes[5].ShouldBe(new DeliveryOutcome.InvalidTarget("webhook endpoint was deleted"), "another environment's endpoint is not this one's");
        receiver.Received.Select(r => r.Id).ShouldBe(["dlv_1", "dlv_2", "dlv_5"], ignoreOrder: true);
    }

    [Fact]
    public async Task PrepareAsync_DeliveryOutsideTheBatch_LookedUpAlone()
    {
        var store = new Endpoints(Endpoint("whe_on", receiver.Url("/status/200")), Endpoint("whe_late", receiver.Url("/status/200")));
        var send = await Sender(store).PrepareAsync([Delivery("dlv_1", "whe_on")], CancellationToken.None);

        (await send(Delivery("dlv_2", "whe_late"), CancellationToken.None)).Outcome.ShouldBeOfType<DeliveryOutcome.Sent>();

        store.SingleCalls.ShouldBe(1, "not in the batch: not taken for deleted");
        receiver.Received.Select(r => r.Id).ShouldBe(["dlv_2"]);
    }

    private static WebhookChannelSender Sender(IWebhookEndpointStore store)
    {
        var options = new WebhookOptions { AllowPrivateNetworks = true };
        var http = new HttpClient(WebhookHttpHandler.Create(options)) { Timeout = TimeSpan.FromSeconds(10) };
        return new WebhookChannelSender(new WebhookSender(http, TimeProvider.System), store, TimeProvider.System);
    }

    private static WebhookEndpoint Endpoint(string id, Uri url, string environment = Environments.Default) =>
        new(id, "u1", url.ToString(), Secret, ["*"], null, true, null, null, Now, environment);

    private static Delivery Delivery(string id, string endpointId, string environment = Environments.Default) =>
        new(id, "ntf_" + id, "u1", "order.shipped", Channel.Webhook, Priority.Normal, "url", endpointId, null, DeliveryStatus.Sending, 1, null,
            "{\"n\":1}", "hash-" + id, Now, null, null, Now, Now, EnvironmentId: environment);

    /// <summary>The endpoints the sender reads, counting its calls; nothing else of the store is used by a send.</summary>
    private sealed class Endpoints(params WebhookEndpoint[] all) : IWebhookEndpointStore
    {
        public int SingleCalls { get; private set; }

        public int BatchCalls { get; private set; }

        public Task<WebhookEndpoint?> GetEndpointAsync(string environmentId, string id, CancellationToken ct)
        {
            SingleCalls++;
            return Task.FromResult(all.FirstOrDefault(e => e.Id == id && e.EnvironmentId == environmentId));
        }

        public Task<IReadOnlyDictionary<string, WebhookEndpoint>> GetEndpointsAsync(string environmentId, IReadOnlyCollection<string> ids, CancellationToken ct)
        {
            BatchCalls++;
            return Task.FromResult<IReadOnlyDictionary<string, WebhookEndpoint>>(
                all.Where(e => e.EnvironmentId == environmentId && ids.Contains(e.Id)).ToDictionary(e => e.Id, StringComparer.Ordinal));
        }

        public Task InsertEndpointAsync(WebhookEndpoint endpoint, CancellationToken ct) => throw new NotSupportedException();

        public Task<IReadOnlyList<WebhookEndpoint>> GetEndpointsForRecipientAsync(string environmentId, string recipientId, CancellationToken ct) => throw new NotSupportedException();

        public Task<IReadOnlyList<WebhookEndpoint>> GetOperationalEndpointsAsync(string environmentId, CancellationToken ct) => throw new NotSupportedException();

        public Task<bool> DeleteEndpointAsync(string environmentId, string id, CancellationToken ct) => throw new NotSupportedException();

        public Task<bool> EnableEndpointAsync(string environmentId, string id, CancellationToken ct) => throw new NotSupportedException();

        public Task<bool> DisableEndpointAsync(string environmentId, string id, string reason, CancellationToken ct) => throw new NotSupportedException();

        public Task<IReadOnlyList<WebhookEndpoint>> ListEndpointsAsync(string environmentId, int limit, string? cursor, CancellationToken ct) => throw new NotSupportedException();

        public Task<int> ReleaseHeldAsync(string? endpointId, DateTimeOffset expireBefore, DateTimeOffset now, CancellationToken ct) => throw new NotSupportedException();

        public Task<int> RecoverAsync(string endpointId, DateTimeOffset since, DateTimeOffset until, DateTimeOffset now, CancellationToken ct) => throw new NotSupportedException();
    }
}
