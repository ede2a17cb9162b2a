using System.Diagnostics;
using System.Net;

namespace Herald.Testing;

/// <summary>
/// One Herald.Server child process (<c>dotnet Herald.Server.dll</c>, copied next to the calling assembly by its project
/// reference) on a loopback port, its settings in its environment, its output lines kept in an <see cref="OutputTail"/>.
/// What the tests' <see cref="HeraldProcess"/> and the benchmark's server processes share.
/// </summary>
public sealed class ChildServer : IDisposable
{
    private readonly OutputTail _output;

    private ChildServer(Process process, Uri baseAddress, OutputTail output)
    {
        Process = process;
        BaseAddress = baseAddress;
        _output = output;
    }

    public Uri BaseAddress { get; }

    /// <summary>The process, for its id, CPU time and memory.</summary>
    public Process Process { get; }

    public bool HasExited => Process.HasExited;

    /// <summary>
    /// Starts the server on <paramref name="port"/> and waits (bounded) until <paramref name="probe"/> (readyz or healthz)
    /// answers 200; a server that exits or is not ready in time is killed and the error carries its output.
    /// </summary>
    public static async Task<ChildServer> StartAsync(IReadOnlyDictionary<string, string> environment, string workingDirectory, int port, OutputTail output,
        string probe, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(output);
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Herald.Server.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseAddress.ToString().TrimEnd('/'));
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        var server = new ChildServer(process, baseAddress, output);
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitReadyAsync(probe, timeout, ct);
        }
        catch
        {
            server.Dispose();
            throw;
        }

        return server;
    }

    /// <summary>SIGKILL of the whole process tree: no shutdown hooks, no flush; whatever was not committed is gone.</summary>
    public void Dispose()
    {
        try
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }

            Process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }

        Process.Dispose();
    }

    private async Task WaitReadyAsync(string probe, TimeSpan timeout, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (Process.HasExited)
            {
                // HasExited turns true before the redirected output is read to its end; WaitForExit() without a
                // timeout waits for both streams, so the message carries what the server said before it died.
                Process.WaitForExit();
                throw new InvalidOperationException($"Herald.Server exited with {Process.ExitCode} before it was ready:\n{_output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(probe, UriKind.Relative), ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // Not listening yet.
            }

            await Task.Delay(100, ct);
        }

        throw new TimeoutException($"Herald.Server was not ready within {timeout}:\n{_output}");
    }
}
