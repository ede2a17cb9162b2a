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

    private readonly OutputTail _output = new(2000);
    private readonly Dictionary<string, string> _environment;
    private readonly int? _port;
    private ChildServer? _server;

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

    public bool IsRunning => _server is { HasExited: false };

    /// <summary>The last lines the server wrote (across restarts), for failure messages.</summary>
    public string RecentOutput => _output.ToString();

    /// <summary>Starts the server on a fresh loopback port and waits (bounded) until /readyz answers 200.</summary>
    public Task StartAsync(TimeSpan timeout) => StartAsync(timeout, "readyz");

    /// <summary>Starts the server and waits (bounded) until <paramref name="probe"/> (readyz or healthz) answers 200.</summary>
    public async Task StartAsync(TimeSpan timeout, string probe)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("the server is already running");
        }

        Kill();
        var port = _port ?? FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        _server = await ChildServer.StartAsync(_environment, Path.GetDirectoryName(_environment["Herald__Storage__Sqlite__Path"])!, port, _output, probe, timeout,
            CancellationToken.None);
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush; whatever was not committed is gone.</summary>
    public void Kill()
    {
        _server?.Dispose();
        _server = null;
    }

    public void Dispose() => Kill();

    /// <summary>A loopback port free right now (for a fixed <c>port</c> named in settings before the start).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
