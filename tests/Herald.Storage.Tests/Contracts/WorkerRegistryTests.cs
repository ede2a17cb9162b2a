using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>The worker registry in PostgreSQL: who is alive, on the database's clock.</summary>
public sealed class PostgresWorkerRegistryTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task HeartbeatAsync_TwoNodes_EachSeesBothInIdOrderUntilOneLeavesOrFallsSilent()
    {
        await using var s = await Stores.PostgresAsync();
        var registry = s.Port<IWorkerRegistry>();
        var live = TimeSpan.FromSeconds(30);

        (await registry.HeartbeatAsync("node-b", live, None)).ShouldBe(["node-b"]);
        (await registry.HeartbeatAsync("node-a", live, None)).ShouldBe(["node-a", "node-b"]);
        (await registry.HeartbeatAsync("node-b", live, None)).ShouldBe(["node-a", "node-b"]);

        await registry.LeaveAsync("node-a", None);
        (await registry.HeartbeatAsync("node-b", live, None)).ShouldBe(["node-b"]);

        await registry.HeartbeatAsync("node-c", live, None);
        await Task.Delay(300);
        (await registry.HeartbeatAsync("node-b", TimeSpan.FromMilliseconds(200), None)).ShouldBe(["node-b"], "node-c fell silent");
    }
}
