using Herald.Core.Planning;

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
    [InlineData("Microsoft.AspNetCore")]
    [InlineData("Microsoft.Extensions.Http")]
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

    [Fact]
    public void CoreProject_References_NoWebFramework()
    {
        // The assembly list above only shows what the code uses; the project file shows what it is allowed to use.
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Herald.slnx")))
        {
            dir = dir.Parent;
        }

        var project = File.ReadAllText(Path.Combine(dir.ShouldNotBeNull().FullName, "src", "Herald.Core", "Herald.Core.csproj"));

        project.ShouldContain("<PackageReference Include=\"Handlebars.Net\"");
        project.ShouldNotContain("FrameworkReference");
        project.ShouldNotContain("Microsoft.AspNetCore");
    }

    [Fact]
    public void CoreAssembly_InternalsVisibleTo_OnlyTestProjects()
    {
        // What another project uses is public; its internals are for its own tests only (the server once read them too).
        var friends = typeof(Planner).Assembly.GetCustomAttributes(typeof(System.Runtime.CompilerServices.InternalsVisibleToAttribute), false)
            .Cast<System.Runtime.CompilerServices.InternalsVisibleToAttribute>().Select(a => a.AssemblyName).ToList();

        friends.ShouldNotBeEmpty();
        friends.ShouldAllBe(name => name.EndsWith(".Tests", StringComparison.Ordinal));
    }
}
