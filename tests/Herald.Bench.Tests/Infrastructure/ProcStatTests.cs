using Herald.Bench.Infrastructure;

namespace Herald.Bench.Tests.Infrastructure;

/// <summary>The CPU accounting's reading of /proc/&lt;pid&gt;/stat and its sums over process trees.</summary>
public sealed class ProcStatTests
{
    // Real lines in the shape proc(5) gives: fields 14–17 are utime, stime, cutime, cstime in clock ticks.
    private const string Postmaster =
        "9704 (postgres) S 1 9703 9703 0 -1 4194560 5321 81234 0 12 250 130 4100 2200 20 0 1 0 22950 225611776 6717 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0";

    [Fact]
    public void Parse_PlainLine_ReadsParentAndTimes()
    {
        var stat = ProcStat.Parse(Postmaster).ShouldNotBeNull();

        stat.Pid.ShouldBe(9704);
        stat.ParentPid.ShouldBe(1);
        stat.UserTicks.ShouldBe(250);
        stat.SystemTicks.ShouldBe(130);
        stat.ReapedUserTicks.ShouldBe(4100);
        stat.ReapedSystemTicks.ShouldBe(2200);
        stat.OwnTicks.ShouldBe(380);
        stat.ReapedTicks.ShouldBe(6300);
    }

    [Fact]
    public void Parse_CommWithSpacesAndParentheses_CountsFieldsFromTheLastParenthesis()
    {
        // A backend's title can hold both; a split on spaces from the start would shift every field.
        const string line = "9812 (postgres: postgres herald_bench_1 127.0.0.1(51234) idle) S 9704 9704 9704 0 -1 4194560 900 0 0 0 77 31 0 0 20 0 1 0 23001 226000000 3000 18446744073709551615";

        var stat = ProcStat.Parse(line).ShouldNotBeNull();

        stat.Pid.ShouldBe(9812);
        stat.ParentPid.ShouldBe(9704);
        stat.OwnTicks.ShouldBe(108);
        stat.ReapedTicks.ShouldBe(0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a stat line")]
    [InlineData("12 (short) S 1 2 3")]
    [InlineData("x (postgres) S 1 9703 9703 0 -1 4194560 5321 81234 0 12 250 130 4100 2200 20 0")]
    public void Parse_NotAStatLine_ReturnsNull(string line) => ProcStat.Parse(line).ShouldBeNull();

    [Fact]
    public void TreeTicks_LiveAndReapedChildren_CountsEachOnceAndSkipsOtherTrees()
    {
        // The postmaster (100) has reaped backends worth 6,300 ticks and has two live children; one of those has a
        // live child of its own. Process 200 is another tree; 300 is not running.
        var all = new Dictionary<int, ProcStat>
        {
            [100] = new(100, 1, 250, 130, 4100, 2200),
            [101] = new(101, 100, 40, 10, 0, 0),
            [102] = new(102, 100, 5, 5, 7, 3),
            [103] = new(103, 102, 1, 1, 0, 0),
            [200] = new(200, 1, 999, 999, 999, 999),
            [201] = new(201, 200, 50, 50, 0, 0),
        };
        var children = all.Values.ToLookup(s => s.ParentPid, s => s.Pid);

        ProcStat.TreeTicks(all, children, 100).ShouldBe(380 + 6300 + 50 + 10 + 10 + 2);
        ProcStat.TreeTicks(all, children, 102).ShouldBe(10 + 10 + 2);
        ProcStat.TreeTicks(all, children, 300).ShouldBe(0);
    }

    [Fact]
    public void TreeTicks_ChildReapedBetweenSamples_KeepsTheTotal()
    {
        // A backend exits during a step: before, it is a live child; after, its time is in the postmaster's reaped time.
        var before = new Dictionary<int, ProcStat> { [100] = new(100, 1, 10, 10, 0, 0), [101] = new(101, 100, 30, 20, 0, 0) };
        var after = new Dictionary<int, ProcStat> { [100] = new(100, 1, 10, 10, 30, 20) };

        ProcStat.TreeTicks(after, after.Values.ToLookup(s => s.ParentPid, s => s.Pid), 100)
            .ShouldBe(ProcStat.TreeTicks(before, before.Values.ToLookup(s => s.ParentPid, s => s.Pid), 100));
    }

    [Fact] // Reads the real /proc: the benchmark, like its tests, runs on Linux.
    public void Read_ThisProcess_CountsItsOwnCpuAsLoadGenerator()
    {
        var spin = DateTime.UtcNow.AddMilliseconds(200);
        var x = 0L;
        while (DateTime.UtcNow < spin)
        {
            x++;
        }

        var sample = CpuMeter.Read(new CpuRoots([Environment.ProcessId], null, null));

        x.ShouldBeGreaterThan(0);
        sample.LoadGenerator.ShouldBeGreaterThan(0.1);
        sample.Herald.ShouldBeGreaterThanOrEqualTo(sample.LoadGenerator); // the same process, as a tree: own time and more
        double.IsNaN(sample.Postgres).ShouldBeTrue();
        sample.All.ShouldBe(sample.Herald);
    }

    [Fact]
    public void PerItemMicroseconds_DividesEachGroup()
    {
        var used = new CpuSample(0.5, 0.25, 0.125, 1.0) - new CpuSample(0.25, 0.125, 0.0625, 0.5);

        var per = used.PerItemMicroseconds(1_000);

        per.Herald.ShouldBe(250, 1e-9);
        per.Postgres.ShouldBe(125, 1e-9);
        per.RabbitMq.ShouldBe(62.5, 1e-9);
        per.LoadGenerator.ShouldBe(500, 1e-9);
        per.All.ShouldBe(437.5, 1e-9);
        double.IsNaN(used.PerItemMicroseconds(0).All).ShouldBeTrue();
    }
}
