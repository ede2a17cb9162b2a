using Herald.Core.Pipeline;

namespace Herald.Core.Tests.Architecture;

public class DependencyTests
{
    private static readonly IReadOnlyList<string> Referenced =
        [.. typeof(Planner).Assembly.GetReferencedAssemblies().Select(a => a.Name!)];

    [Theory]
    [InlineData("Microsoft.Data.Sqlite")]
    [InlineData("Npgsql")]
    [InlineData("RabbitMQ")]
    [InlineData("SQLitePCL")]
    public void CoreAssembly_ReferencedAssemblies_IncludeNoInfrastructure(string forbidden)
    {
        Referenced.ShouldNotContain(name => name.StartsWith(forbidden, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void CoreAssembly_ReferencedAssemblies_AreReadable()
    {
        // Guards the test above against passing on an empty list.
        typeof(Planner).Assembly.GetName().Name.ShouldBe("Herald.Core");
        Referenced.ShouldContain("System.Runtime");
        Referenced.ShouldContain("Microsoft.Extensions.Options");
    }
}
