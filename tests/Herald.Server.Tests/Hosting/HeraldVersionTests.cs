using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using Herald.Server.Hosting;

namespace Herald.Server.Tests.Hosting;

/// <summary>The server's version is MinVer's (from git tags), not the SDK's 1.0.0 placeholder, and --version prints it.</summary>
public sealed partial class HeraldVersionTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "herald-version", Guid.NewGuid().ToString("N"));

    [Fact]
    public void Current_BuiltWithMinVer_IsASemanticVersionOtherThanThePlaceholder()
    {
        var informational = typeof(HeraldVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

        HeraldVersion.Current.ShouldBe(informational);
        HeraldVersion.Current.ShouldMatch(SemVer().ToString());
        // Without MinVer the SDK stamps 1.0.0; MinVer's floor (MinVerMinimumMajorMinor 0.1) makes even an untagged build 0.1.0 or later.
        HeraldVersion.Current.ShouldNotBe("1.0.0");
        Version.Parse(SemVer().Match(HeraldVersion.Current).Groups["core"].Value).ShouldBeGreaterThanOrEqualTo(new Version(0, 1, 0));
    }

    [Fact]
    public async Task Main_VersionArgument_PrintsTheVersionAndStartsNothing()
    {
        Directory.CreateDirectory(_directory);
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = _directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Herald.Server.dll"));
        start.ArgumentList.Add("--version");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var process = Process.Start(start)!;

        var output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);

        process.ExitCode.ShouldBe(0, await process.StandardError.ReadToEndAsync(timeout.Token));
        output.ShouldBe(HeraldVersion.Current + Environment.NewLine);
        // No host was built: the default SQLite store (./data/herald.db) was never created.
        Directory.Exists(Path.Combine(_directory, "data")).ShouldBeFalse();
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [GeneratedRegex(@"^(?<core>\d+\.\d+\.\d+)(-[0-9A-Za-z.-]+)?$")]
    private static partial Regex SemVer();
}
