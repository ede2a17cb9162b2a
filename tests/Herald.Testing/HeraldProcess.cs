using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Herald.Testing;

/// <summary>
/// Herald.Server as a child process (<c>dotnet Herald.Server.dll</c>, copied next to the test assembly), so a test can
/// SIGKILL it and start it again on the same database file. Output is kept (last lines) for failure messages.
/// </summary>
public sealed class HeraldProcess : IDisposable
{
    public const string SubscriberSecret = "resilience-subscriber-secret-0123456789";

    private readonly ConcurrentQueue<string> _output = new();
    private readonly Dictionary<string, string> _environment;
    private readonly int? _port;
    private Process? _process;

    // port: a fixed loopback port (one named in Herald:PublicBaseUrl, where a vendor calls back); null takes a fresh one
    // at every start.
    public HeraldProcess(string databasePath, string apiKey, IReadOnlyDictionary<string, string>? settings = null, int? port = null)
    {
        ApiKey = apiKey;
        _port = port;
        _environment = new(StringComparer.Ordinal)
        {
            ["HERALD_BOOTSTRAP_API_KEY"] = apiKey,
            ["Herald__Storage__Sqlite__Path"] = databasePath,
            ["Herald__Webhooks__AllowPrivateNetworks"] = "true",
            ["Herald__Pipeline__PollInterval"] = "00:00:00.050",
            ["Herald__Pipeline__Lease"] = "00:00:03",
            // The lease must outlast a webhook call (validated at start), or the sweeper would take over live sends.
            ["Herald__Webhooks__Timeout"] = "00:00:02",
            ["Herald__Pipeline__SweepInterval"] = "00:00:01",
            ["Herald__Security__SubscriberSecret"] = SubscriberSecret,
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            _environment[name] = value;
        }
    }

    public string ApiKey { get; }

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The last lines the server wrote, for failure messages.</summary>
    public string RecentOutput => string.Join('\n', _output);

    /// <summary>Starts the server on a fresh loopback port and waits (bounded) until /readyz answers 200.</summary>
    public Task StartAsync(TimeSpan timeout) => StartAsync(timeout, "readyz");

    /// <summary>Starts the server and waits (bounded) until <paramref name="probe"/> (readyz or healthz) answers 200.</summary>
    public async Task StartAsync(TimeSpan timeout, string probe)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("the server is already running");
        }

        var port = _port ?? FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(_environment["Herald__Storage__Sqlite__Path"])!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Herald.Server.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(BaseAddress.ToString().TrimEnd('/'));
        foreach (var (name, value) in _environment)
        {
            start.Environment[name] = value;
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        try
        {
            await WaitReadyAsync(timeout, probe);
        }
        catch
        {
            Kill();
            throw;
        }
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush; whatever was not committed is gone.</summary>
    public void Kill()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }

        _process.Dispose();
        _process = null;
    }

    public void Dispose() => Kill();

    private async Task WaitReadyAsync(TimeSpan timeout, string probe)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process!.HasExited)
            {
                // HasExited turns true before the redirected output is read to its end; WaitForExit() without a
                // timeout waits for both streams, so the message carries what the server said before it died.
                _process!.WaitForExit();
                throw new InvalidOperationException($"Herald.Server exited with {_process.ExitCode} before it was ready:\n{RecentOutput}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(probe, UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Herald.Server was not ready within {timeout}:\n{RecentOutput}");
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 2000)
        {
            _output.TryDequeue(out _);
        }
    }

    /// <summary>A loopback port free right now (for a fixed <c>port</c> named in settings before the start).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
