using System.Reflection;

namespace Herald.Cli.Tests;

/// <summary><c>herald --version</c>: MinVer's version of this build, the same as the server built from the same commit.</summary>
public sealed class VersionTests
{
    [Fact]
    public async Task Version_Option_PrintsTheMinVerVersionAndExits0()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var code = await Cli.RunAsync(["--version"], new CliEnvironment(output, error, _ => null, Path.GetTempPath()), timeout.Token);

        code.ShouldBe(0, error.ToString());
        var printed = output.ToString().Trim();
        printed.ShouldBe(Informational(typeof(Cli).Assembly));
        printed.ShouldMatch(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$");
        printed.ShouldNotBe("1.0.0");
        printed.ShouldBe(Informational(typeof(Herald.Server.Api.HealthResponse).Assembly));
    }

    private static string Informational(Assembly assembly) => assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
}
