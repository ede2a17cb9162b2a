using System.Diagnostics;
using System.Globalization;

namespace Herald.Bench.Infrastructure;

/// <summary>CPU seconds each group of processes has used so far; the difference of two samples is a step's cost.</summary>
/// <param name="Herald">Herald's server processes.</param>
/// <param name="Postgres">The postmaster and every backend and auxiliary process under it, exited ones included.</param>
/// <param name="RabbitMq">The broker: the rabbitmq-server script, beam.smp under it and its port programs.</param>
/// <param name="LoadGenerator">The benchmark's own process (load, store probe, and the webhook receiver); not in <see cref="All"/>.</param>
internal sealed record CpuSample(double Herald, double Postgres, double RabbitMq, double LoadGenerator)
{
    /// <summary>
    /// Every process that does Herald's work: Herald, PostgreSQL and RabbitMQ, without the load generator. A group
    /// that is not part of the deployment (NaN: the services in the embedded mode) adds nothing.
    /// </summary>
    public double All => Herald + (double.IsNaN(Postgres) ? 0 : Postgres) + (double.IsNaN(RabbitMq) ? 0 : RabbitMq);

    public static CpuSample operator -(CpuSample a, CpuSample b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new(a.Herald - b.Herald, a.Postgres - b.Postgres, a.RabbitMq - b.RabbitMq, a.LoadGenerator - b.LoadGenerator);
    }

    /// <summary>CPU microseconds per item, each group, for <paramref name="count"/> delivered notifications (NaN for none).</summary>
    public CpuSample PerItemMicroseconds(long count) => count <= 0
        ? new(double.NaN, double.NaN, double.NaN, double.NaN)
        : new(Herald * 1e6 / count, Postgres * 1e6 / count, RabbitMq * 1e6 / count, LoadGenerator * 1e6 / count);
}

/// <summary>The roots of the process trees to account: Herald's servers, and in the distributed mode the two services.</summary>
internal sealed record CpuRoots(IReadOnlyList<int> Herald, int? Postgres, int? RabbitMq);

/// <summary>
/// Reads CPU time from <c>/proc</c> for whole process trees, so that work done by short-lived processes is counted too:
/// PostgreSQL runs each connection in a backend process that exits when the connection closes (Npgsql's pool closes
/// idle ones), and such a backend's time would be lost if only live processes were summed. A tree's time is, for
/// each live process in it, its own utime+stime plus the cutime+cstime of the children it has reaped (see
/// <see cref="ProcStat.TreeTicks"/>); the postmaster reaps its backends, so a backend that exits during a step moves
/// from the live sum into the postmaster's reaped time and the total stays continuous.
/// </summary>
/// <remarks>
/// The one race: a backend reaped while <c>/proc</c> is being read is either in neither place (read the postmaster,
/// then the backend is gone) or in both. After the scan every process of the trees is read again; if any reaped time
/// changed, a child was reaped meanwhile and the scan is repeated (a few times at most, then the last one is used).
/// Linux only; elsewhere every figure is NaN.
/// </remarks>
internal static class CpuMeter
{
    private static readonly Lazy<double> TicksPerSecond = new(ReadTicksPerSecond);

    public static CpuSample Read(CpuRoots roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        if (!Directory.Exists("/proc/self"))
        {
            return new(double.NaN, double.NaN, double.NaN, double.NaN);
        }

        var self = Environment.ProcessId;
        Dictionary<int, ProcStat> all = [];
        ILookup<int, int> children = Array.Empty<int>().ToLookup(p => p);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            all = Scan();
            children = all.Values.ToLookup(s => s.ParentPid, s => s.Pid);
            if (Steady(all, children, roots))
            {
                break;
            }
        }

        var hz = TicksPerSecond.Value;
        double Tree(int? root) => root is { } r ? ProcStat.TreeTicks(all, children, r) / hz : double.NaN;
        return new(roots.Herald.Sum(p => ProcStat.TreeTicks(all, children, p)) / hz, Tree(roots.Postgres), Tree(roots.RabbitMq),
            all.TryGetValue(self, out var own) ? own.OwnTicks / hz : double.NaN);
    }

    private static bool Steady(Dictionary<int, ProcStat> all, ILookup<int, int> children, CpuRoots roots)
    {
        var members = new List<int>();
        foreach (var root in roots.Herald.Concat(new[] { roots.Postgres, roots.RabbitMq }.OfType<int>()))
        {
            var pending = new Stack<int>([root]);
            while (pending.Count > 0)
            {
                var pid = pending.Pop();
                if (all.ContainsKey(pid))
                {
                    members.Add(pid);
                    foreach (var child in children[pid])
                    {
                        pending.Push(child);
                    }
                }
            }
        }

        return members.All(pid => ReadStat(pid) is not { } again || again.ReapedTicks == all[pid].ReapedTicks);
    }

    private static Dictionary<int, ProcStat> Scan()
    {
        var all = new Dictionary<int, ProcStat>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && ReadStat(pid) is { } stat)
            {
                all[pid] = stat;
            }
        }

        return all;
    }

    private static ProcStat? ReadStat(int pid)
    {
        try
        {
            return ProcStat.Parse(File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (IOException)
        {
            return null; // Exited since the listing.
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>USER_HZ, the unit of /proc's times (100 on common Linux builds), from <c>getconf CLK_TCK</c>.</summary>
    private static double ReadTicksPerSecond()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true, UseShellExecute = false });
            var output = process?.StandardOutput.ReadToEnd().Trim();
            process?.WaitForExit();
            return double.TryParse(output, NumberStyles.None, CultureInfo.InvariantCulture, out var hz) && hz > 0 ? hz : 100;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return 100;
        }
    }
}
