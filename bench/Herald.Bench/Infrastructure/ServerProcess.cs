using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Herald.Testing;

namespace Herald.Bench.Infrastructure;

/// <summary>
/// One Herald.Server child process (<c>dotnet Herald.Server.dll</c>, copied next to the bench by the project reference),
/// started with settings in its environment on a free loopback port (the tests' <see cref="ChildServer"/>), with what the
/// bench reads of it: id, memory and CPU time. Its last output lines are kept for errors.
/// </summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly ChildServer _server;
    private readonly OutputTail _output;

    private ServerProcess(ChildServer server, OutputTail output)
    {
        _server = server;
        _output = output;
    }

    public Uri BaseAddress => _server.BaseAddress;

    public int Pid => _server.Process.Id;

    public string RecentOutput => _output.ToString();

    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string> environment, string workingDirectory, CancellationToken ct)
    {
        var output = new OutputTail(400);
        var server = await ChildServer.StartAsync(environment, workingDirectory, FreePort(), output, "readyz", TimeSpan.FromSeconds(60), ct);
        return new ServerProcess(server, output);
    }

    /// <summary>Resident set size now and at its peak (VmRSS, VmHWM), in bytes.</summary>
    public (long Current, long Peak) Memory()
    {
        long current = 0, peak = 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    current = Kilobytes(line) * 1024;
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    peak = Kilobytes(line) * 1024;
                }
            }
        }
        catch (IOException)
        {
            // Exited.
        }

        return (current, peak);
    }

    /// <summary>CPU time the process used so far (user + system).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            try
            {
                _server.Process.Refresh();
                return _server.Process.TotalProcessorTime;
            }
            catch (InvalidOperationException)
            {
                return TimeSpan.Zero;
            }
        }
    }

    public void Dispose() => _server.Dispose();

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
