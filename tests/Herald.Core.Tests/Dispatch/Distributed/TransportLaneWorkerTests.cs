using Herald.Core.Dispatch.Distributed;
using Herald.Core.Domain;
using Herald.Core.Gate;
using Herald.Core.Pipeline;
using Herald.Core.Storage;
using Herald.Core.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Herald.Core.Tests.Dispatch.Distributed;

/// <summary>
/// How a batch's messages are settled when claiming goes wrong. The store is scripted: these cases never reach a send,
/// so no delivery processor is given (a send would fail the test).
/// </summary>
public sealed class TransportLaneWorkerTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private static WorkItem Item(string id) => new(id, "ntf_" + id, "u-" + id, Channel.Sms, Priority.Normal, Now);

    private static TransportLaneWorker Worker(ScriptedStore store, TimeProvider time) =>
        new(null!, store, new DeliveryGate(Options.Create(new PipelineOptions())), null!,
            new PipelineOptionsAccessor(Options.Create(new PipelineOptions { Lease = TimeSpan.FromSeconds(20) })), new WorkerHealth(), time,
            NullLogger<TransportLaneWorker>.Instance);

    [Fact]
    public async Task HandleAsync_BatchClaimFailsOnOnePoisonRow_OnlyThatMessageIsGivenBack()
    {
        var store = new ScriptedStore { FailBatch = true, FailOne = "poison" };

        var results = await Worker(store, new FakeTimeProvider(Now)).HandleAsync([Item("a"), Item("poison"), Item("b"), Item("")], CancellationToken.None);

        results.Select(r => r.Settlement).ShouldBe([WorkSettlement.Ack, WorkSettlement.Requeue, WorkSettlement.Ack, WorkSettlement.DeadLetter]);
        results[1].Reason.ShouldBe("claim failed: InvalidOperationException");
        store.SingleClaims.ShouldBe(["a", "poison", "b"]);
    }

    [Fact]
    public async Task HandleAsync_StoreDown_GivesEveryMessageBackAfterTwoSingleClaims()
    {
        var store = new ScriptedStore { FailBatch = true, FailOne = "*" };

        var results = await Worker(store, new FakeTimeProvider(Now)).HandleAsync([Item("a"), Item("b"), Item("c"), Item("d")], CancellationToken.None);

        results.ShouldAllBe(r => r.Settlement == WorkSettlement.Requeue);
        store.SingleClaims.ShouldBe(["a", "b"], "the store is down: not tried for each");
    }

    [Fact]
    public async Task HandleAsync_ClaimTookMoreThanAQuarterOfTheLease_SendsNothingAndAcks()
    {
        var time = new FakeTimeProvider(Now);
        var store = new ScriptedStore { Claimed = [Delivery("a")], OnBatchClaim = () => time.Advance(TimeSpan.FromSeconds(6)) };

        // A send would call the (absent) processor and throw: the late claim must be left to the sweeper.
        var results = await Worker(store, time).HandleAsync([Item("a")], CancellationToken.None);

        results.ShouldHaveSingleItem().Settlement.ShouldBe(WorkSettlement.Ack);
    }

    private static Delivery Delivery(string id) =>
        new(id, "ntf_" + id, "u-" + id, "order.shipped", Channel.Sms, Priority.Normal, "+15550001", null, null, DeliveryStatus.Sending, 1, null, "{}", "h",
            Now, null, null, Now, Now);

    private sealed class ScriptedStore : IWorkRelayStore
    {
        public bool FailBatch { get; init; }

        /// <summary>A delivery id whose single claim throws; "*" for every one.</summary>
        public string? FailOne { get; init; }

        public IReadOnlyList<Delivery> Claimed { get; init; } = [];

        public Action? OnBatchClaim { get; init; }

        public List<string> SingleClaims { get; } = [];

        public Task<IReadOnlyList<Delivery>> ClaimPublishedAsync(IReadOnlyList<DeliveryRef> deliveries, DateTimeOffset now, DateTimeOffset leaseUntil, string owner,
            IDispatchGate gate, CancellationToken ct)
        {
            if (deliveries.Count == 1 && FailBatch)
            {
                var id = deliveries[0].DeliveryId;
                SingleClaims.Add(id);
                return FailOne is "*" || FailOne == id ? throw new InvalidOperationException("poison row") : Task.FromResult<IReadOnlyList<Delivery>>([]);
            }

            if (FailBatch)
            {
                throw new InvalidOperationException("batch failed");
            }

            OnBatchClaim?.Invoke();
            return Task.FromResult(Claimed);
        }

        public Task<int> RelayDueAsync(DateTimeOffset now, Priority priority, int limit, int maxInFlightPerLane, Func<IReadOnlyList<Delivery>, CancellationToken, Task> publish, CancellationToken ct) =>
            throw new NotSupportedException();

        public Task<int> RepublishStaleAsync(DateTimeOffset before, CancellationToken ct) => throw new NotSupportedException();

        public Task<int> CountInFlightAsync(CancellationToken ct) => throw new NotSupportedException();

        public Task<DateTimeOffset?> NextUnpublishedDueAsync(DateTimeOffset now, Priority priority, CancellationToken ct) => throw new NotSupportedException();
    }
}
