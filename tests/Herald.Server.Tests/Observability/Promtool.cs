using System.Diagnostics;

namespace Herald.Server.Tests.Observability;

/// <summary>Debian's promtool (package prometheus, installed by scripts/test), run with a bounded wait.</summary>
internal static class Promtool
{
    public static string Path =>
        Environment.GetEnvironmentVariable("HERALD_TEST_PROMTOOL") is { Length: > 0 } given ? given
        : File.Exists("/usr/bin/promtool") ? "/usr/bin/promtool"
        : throw new InvalidOperationException("promtool is missing: scripts/test installs Debian's prometheus package, or set HERALD_TEST_PROMTOOL");

    /// <summary>Runs promtool with <paramref name="arguments"/>, feeding <paramref name="input"/> on stdin; returns exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(IEnumerable<string> arguments, string? input = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(Path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
