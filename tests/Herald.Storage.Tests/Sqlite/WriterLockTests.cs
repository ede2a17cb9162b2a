using Herald.Storage.Sqlite;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>The single writer's lock: urgent waiters go first, first come first served within a class, cancelled ones skipped.</summary>
public sealed class WriterLockTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Exit_UrgentWaiterGoesBeforeEarlierOrdinaryOnes()
    {
        var gate = new WriterLock();
        await gate.EnterAsync(urgent: false, CancellationToken.None);
        var order = new List<string>();
        var first = Take(gate, false, "ordinary-1", order);
        var second = Take(gate, false, "ordinary-2", order);
        var urgent = Take(gate, true, "urgent", order);

        gate.Exit();
        await Task.WhenAll(first, second, urgent).WaitAsync(Wait);

        order.ShouldBe(["urgent", "ordinary-1", "ordinary-2"]);
    }

    [Fact]
    public async Task Exit_CancelledWaiterIsSkipped_LockFreeAfterwards()
    {
        var gate = new WriterLock();
        await gate.EnterAsync(urgent: false, CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var cancelled = gate.EnterAsync(urgent: true, cts.Token);
        var order = new List<string>();
        var waiting = Take(gate, false, "ordinary", order);

        await cts.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => cancelled.WaitAsync(Wait));
        gate.Exit();
        await waiting.WaitAsync(Wait);

        order.ShouldBe(["ordinary"]);
        await gate.EnterAsync(urgent: false, CancellationToken.None).WaitAsync(Wait); // free again: enters at once
        gate.Exit();
    }

    /// <summary>Waits for the lock, records the name, holds briefly, and leaves.</summary>
    private static async Task Take(WriterLock gate, bool urgent, string name, List<string> order)
    {
        await gate.EnterAsync(urgent, CancellationToken.None);
        lock (order)
        {
            order.Add(name);
        }

        await Task.Delay(5);
        gate.Exit();
    }
}
