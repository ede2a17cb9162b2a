using Herald.Bench.Infrastructure;
using Herald.Bench.Scenarios;

namespace Herald.Bench.Tests.Scenarios;

/// <summary>The deployments a run measures: <c>--mode</c> and <c>--nodes</c>.</summary>
public sealed class BenchOptionsTests
{
    [Fact]
    public void ParseNodes_CommaSeparatedCounts_KeepsTheirOrder() =>
        BenchOptions.ParseNodes("1, 2,3").ShouldBe([1, 2, 3]);

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("1,,2")]
    [InlineData("two")]
    [InlineData("-1")]
    [InlineData("17")]
    public void ParseNodes_NotACountList_ReturnsNull(string value) => BenchOptions.ParseNodes(value).ShouldBeNull();

    [Fact]
    public void Deployments_BothModesWithNodes_EmbeddedOnceThenEachDistributedCount()
    {
        var options = new BenchOptions([Mode.Embedded, Mode.Distributed], Quick: true, Append: false) { Nodes = [1, 2, 3] };

        options.Deployments().ShouldBe([(Mode.Embedded, 1), (Mode.Distributed, 1), (Mode.Distributed, 2), (Mode.Distributed, 3)]);
    }

    [Fact]
    public void Deployments_Default_DistributedRunsThreeProcessesAsBefore()
    {
        var options = new BenchOptions([Mode.Distributed], Quick: false, Append: true);

        options.Deployments().ShouldBe([(Mode.Distributed, 3)]);
        Deployment.Describe(Mode.Distributed).ShouldBe("distributed: 3 processes, PostgreSQL + RabbitMQ");
        Deployment.Describe(Mode.Distributed, 1).ShouldBe("distributed: 1 process, PostgreSQL + RabbitMQ");
    }
}
