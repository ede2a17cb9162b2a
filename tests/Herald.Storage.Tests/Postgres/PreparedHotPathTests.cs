using Herald.Core.Domain;
using Herald.Core.Storage;
using Herald.Storage.Tests.Infrastructure;
using Npgsql;
using static Herald.Storage.Tests.Contracts.NotificationSamples;

namespace Herald.Storage.Tests.Postgres;

/// <summary>The statements of every notification's path are prepared once a connection has run them a few times.</summary>
public sealed class PreparedHotPathTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task HotPath_RunRepeatedlyOnOneConnection_EveryStatementIsPrepared()
    {
        await using var s = await Stores.PostgresAsync();
        // One physical connection, so every round below runs on the connection whose prepared statements are read.
        var single = new NpgsqlConnectionStringBuilder(s.Postgres!.Options.ConnectionString) { MaxPoolSize = 1 }.ToString();
        await using var services = Stores.PostgresServices(single);
        var ingest = services.GetService(typeof(IIngestStore)) as IIngestStore;
        var plans = (IPlanStore)services.GetService(typeof(IPlanStore))!;
        var relay = (IWorkRelayStore)services.GetService(typeof(IWorkRelayStore))!;
        for (var round = 0; round < 8; round++)
        {
            var at = Now.AddSeconds(round);
            var id = $"ntf_{round}";
            await ingest!.AcceptAsync([new IngestItem([Notification(id, due: at)], null)], at, CancellationToken.None);
            (await plans.ClaimForPlanningAsync(Priority.Normal, at, at + Lease, 10, CancellationToken.None)).Count.ShouldBe(1);
            await plans.CompletePlanningAsync([new PlanResult(id, [Delivery($"dlv_{round}", id) with { DueAt = at }], [Trace(id, "planned")], NotificationStatus.Processing)],
                at, CancellationToken.None);
            (await relay.RelayDueAsync(at, Priority.Normal, 100, 1000, (_, _) => Task.CompletedTask, CancellationToken.None)).ShouldBe(1);
        }

        await using var connection = await ((Herald.Storage.Postgres.PostgresDatabase)services.GetService(typeof(Herald.Storage.Postgres.PostgresDatabase))!).Source.OpenConnectionAsync();
        await using var list = new NpgsqlCommand("SELECT statement FROM pg_prepared_statements", connection);
        var prepared = new List<string>();
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                prepared.Add(string.Join(' ', reader.GetString(0).Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries)));
            }
        }

        foreach (var p in prepared)
        {
            output.WriteLine(p.Length > 150 ? p[..150] : p);
        }

        prepared.ShouldContain(p => p.StartsWith("INSERT INTO notifications", StringComparison.Ordinal), "ingest");
        prepared.ShouldContain(p => p.Contains("WITH in_flight", StringComparison.Ordinal), "the relay's round");
        prepared.ShouldContain(p => p.StartsWith("UPDATE deliveries SET published_due", StringComparison.Ordinal), "the publish mark");
        prepared.ShouldContain(p => p.StartsWith("INSERT INTO deliveries", StringComparison.Ordinal), "planning's deliveries");
    }

    [Fact]
    public async Task LaneClaim_WithHeldRecipients_RunsOnAGenericPlan()
    {
        // A custom plan estimates the held list element by element (~20 ms a claim with a lane's few hundred held
        // recipients); the claim is forced onto its generic plan. Without that, PostgreSQL keeps choosing custom plans here.
        await using var s = await Stores.PostgresAsync();
        var single = new NpgsqlConnectionStringBuilder(s.Postgres!.Options.ConnectionString) { MaxPoolSize = 1 }.ToString();
        await using var services = Stores.PostgresServices(single);
        var dispatch = (IDispatchStore)services.GetService(typeof(IDispatchStore))!;
        var held = Enumerable.Range(0, 300).Select(i => $"held-{i}").ToHashSet(StringComparer.Ordinal);
        await Contracts.DispatchSamples.SeedAsync(s, "ntf_held", [.. Enumerable.Range(0, 12).Select(i =>
            Contracts.DispatchSamples.Delivery($"dlv_h{i}", "ntf_held", due: Contracts.DispatchSamples.Now.AddMilliseconds(i), recipient: i % 2 == 0 ? "held-7" : $"free-{i}"))]);
        var claimed = new List<string>();
        for (var round = 0; round < 8; round++)
        {
            claimed.AddRange((await dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, Contracts.DispatchSamples.Now.AddSeconds(1), Contracts.DispatchSamples.Now.AddMinutes(1), "lane-a", 1,
                Contracts.DispatchSamples.Gate(), held, CancellationToken.None)).Select(d => d.Id));
        }

        claimed.ShouldBe(["dlv_h1", "dlv_h3", "dlv_h5", "dlv_h7", "dlv_h9", "dlv_h11"], "held recipients are skipped, the others claimed in due order");
        await using var connection = await ((Herald.Storage.Postgres.PostgresDatabase)services.GetService(typeof(Herald.Storage.Postgres.PostgresDatabase))!).Source.OpenConnectionAsync();
        await using var read = new NpgsqlCommand("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%NOT (recipient_id = ANY(%'", connection);
        await using var reader = await read.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue("the held claim is prepared on the connection that ran it eight times");
        var (generic, custom) = (reader.GetInt64(0), reader.GetInt64(1));
        output.WriteLine($"generic {generic}, custom {custom}");
        custom.ShouldBe(0);
        generic.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task PlanClaimAndComplete_RunRepeatedlyOnOneConnection_KeyedStatementsOnGenericPlans()
    {
        // Prepared statements on the partitioned tables keep custom plans unless forced (planned again on every call). The
        // joins of a batch's arrays (the gate's reads of larger batches, the claim, a completion) are left to PostgreSQL
        // (PgWrites.RunOnGenericPlans says why); a plan's write is forced since its status test cannot use a partial index.
        await using var s = await Stores.PostgresAsync();
        var single = new NpgsqlConnectionStringBuilder(s.Postgres!.Options.ConnectionString) { MaxPoolSize = 1 }.ToString();
        await using var services = Stores.PostgresServices(single);
        var ingest = (IIngestStore)services.GetService(typeof(IIngestStore))!;
        var plans = (IPlanStore)services.GetService(typeof(IPlanStore))!;
        var dispatch = (IDispatchStore)services.GetService(typeof(IDispatchStore))!;
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now);
        for (var round = 0; round < 8; round++)
        {
            var at = Now.AddSeconds(round);
            var id = $"ntf_{round}";
            await ingest.AcceptAsync([new IngestItem([Notification(id, due: at)], null)], at, CancellationToken.None);
            var planned = await plans.PlanDueAsync(Priority.Normal, at, at + Lease, 10, (batch, _) => Task.FromResult<IReadOnlyList<PlanResult>>(
                [.. batch.Select(n => new PlanResult(n.Id, [Delivery($"dlv_{round}", n.Id) with { DueAt = at }], [Trace(n.Id, "planned")], NotificationStatus.Processing))]),
                time, CancellationToken.None);
            planned.Written.ShouldBe([true]);
            var claimed = await dispatch.ClaimDueAsync(Channel.Sms, Priority.Normal, at, at + Lease, "lane-a", 10, Contracts.DispatchSamples.Gate(), CancellationToken.None);
            claimed.Select(d => d.Id).ShouldBe([$"dlv_{round}"]);
            (await dispatch.CompleteAsync([Contracts.DispatchSamples.Sent(claimed[0], "lane-a")], at, CancellationToken.None)).ShouldBe([true]);
            (await s.Queries.GetNotificationAsync(id, CancellationToken.None))!.Status.ShouldBe(NotificationStatus.Completed);
        }

        var statements = new List<(string Statement, long Generic, long Custom)>();
        await using (var connection = await ((Herald.Storage.Postgres.PostgresDatabase)services.GetService(typeof(Herald.Storage.Postgres.PostgresDatabase))!).Source.OpenConnectionAsync())
        {
            await using var read = new NpgsqlCommand("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements", connection);
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                statements.Add((string.Join(' ', reader.GetString(0).Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries)), reader.GetInt64(1), reader.GetInt64(2)));
            }
        }

        foreach (var (statement, generic, custom) in statements)
        {
            output.WriteLine($"generic {generic}, custom {custom}: {(statement.Length > 120 ? statement[..120] : statement)}");
        }

        string[] hot =
        [
            "SELECT id, event_type, recipient_id, priority, status", // a planning round's locking read
            "SELECT 1 FROM notifications WHERE id = ANY", // the status refresh's lock
            "UPDATE notifications n SET updated_at = $1, status = CASE", // the status refresh
            "UPDATE notifications n SET status = x.s, lease_until = NULL", // a plan's write (by key; its status test serves no index)
        ];
        foreach (var start in hot)
        {
            var found = statements.Where(x => x.Statement.StartsWith(start, StringComparison.Ordinal)).ToList();
            found.ShouldNotBeEmpty($"'{start}…' is prepared");
            found.ShouldAllBe(x => x.Custom == 0 && x.Generic > 0, $"'{start}…' runs on its generic plan");
        }
    }
}
