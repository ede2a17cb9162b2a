using Herald.Bench.Ceiling;
using Herald.Bench.Infrastructure;
using Herald.Bench.Load;
using Herald.Bench.Reporting;
using Herald.Bench.Scenarios;

namespace Herald.Bench.Tests;

/// <summary>The arithmetic the benchmark's report rests on: percentiles, the ceiling model, windows, parsing.</summary>
public sealed class BenchMathTests
{
    [Fact]
    public void Percentiles_NearestRank()
    {
        var values = Enumerable.Range(1, 1000).Select(i => (double)i).Reverse().ToArray();

        var (p50, p99, p999) = Percentiles.Summary(values);

        p50.ShouldBe(500);
        p99.ShouldBe(990);
        p999.ShouldBe(999);
        Percentiles.Of(values, 1.0).ShouldBe(1000);
        Percentiles.Of([7.0], 0.5).ShouldBe(7);
        double.IsNaN(Percentiles.Of([], 0.5)).ShouldBeTrue();
    }

    [Fact]
    public void Combine_AddsPerNotificationCosts()
    {
        // post100 at 10,000 requests/s = 100 µs per request = 1 µs per notification; rows at 100,000/s = 10 µs each;
        // a RabbitMQ round at 20,000/s = 50 µs. Embedded: 1 + 3·10 = 31 µs; distributed: 1 + 3·5 + 50 = 66 µs; PostgreSQL
        // alone: 1 + 3·5 = 16 µs.
        CeilingStep[] steps =
        [
            new(CeilingProbe.KestrelPost100, "requests", 10_000, 100, ""),
            new(CeilingProbe.SqliteInsert, "rows", 100_000, 10, ""),
            new(CeilingProbe.PostgresInsert, "rows", 200_000, 5, ""),
            new(CeilingProbe.RabbitMqRound, "messages", 20_000, 50, ""),
        ];

        var (embedded, distributed, postgres) = CeilingProbe.Combine(steps);

        embedded.ShouldBe(1e6 / 31, 0.01);
        distributed.ShouldNotBeNull().ShouldBe(1e6 / 66, 0.01);
        postgres.ShouldNotBeNull().ShouldBe(1e6 / 16, 0.01);
        CeilingProbe.Combine(steps[..2]).Distributed.ShouldBeNull();
        CeilingProbe.Combine(steps[..2]).Postgres.ShouldBeNull();
    }

    [Fact]
    public void Rate_CountsSendsInsideTheWindowOnly()
    {
        var from = DateTimeOffset.FromUnixTimeMilliseconds(10_000);
        long[] sent = [9_999, 10_000, 10_500, 11_999, 12_000];

        Lanes.Rate(sent, from, from.AddSeconds(2)).ShouldBe(1.5); // 3 sends in [10.000, 12.000) over 2 s
    }

    [Fact]
    public void ParseFdatasync_ReadsTheFirstFdatasyncLine()
    {
        const string output = """
            Compare file sync methods using one 8kB write:
                    open_datasync                      8058.743 ops/sec     124 usecs/op
                    fdatasync                          7713.452 ops/sec     130 usecs/op
            Compare file sync methods using two 8kB writes:
                    fdatasync                          7404.371 ops/sec     135 usecs/op
            """;

        Services.ParseFdatasync(output).ShouldBe(130);
        Services.ParseFdatasync("no such line").ShouldBeNull();
    }

    [Fact]
    public void Markdown_HasTablesTargetsAndTheRunHeader()
    {
        var report = new ScenarioReport("throughput", "embedded");
        report.Tables.Add(new Table("Steps", ["kind", "rate"]).Add("single", "500"));
        report.Targets.Add(new TargetCheck("≥ 10,000/s", "3,800/s", false));
        report.Notes.Add("a note");
        var run = new RunReport(DateTimeOffset.FromUnixTimeSeconds(0), "abc1234", "2 cores", 130, [report]);

        var md = run.ToMarkdown();

        md.ShouldContain("### throughput (embedded) — 1970-01-01 00:00 UTC, commit `abc1234`");
        md.ShouldContain("disk flush (pg_test_fsync, fdatasync of 8 kB): 130 µs");
        md.ShouldContain("| kind | rate |\n|---|---|\n| single | 500 |");
        md.ShouldContain("| ≥ 10,000/s | 3,800/s | **no** |");
        md.ShouldContain("- a note");
    }
}
