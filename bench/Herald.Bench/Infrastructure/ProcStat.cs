using System.Globalization;

namespace Herald.Bench.Infrastructure;

/// <summary>
/// The fields of one <c>/proc/&lt;pid&gt;/stat</c> line the CPU accounting needs, in clock ticks: the process's own
/// user and system time (all its threads) and the time of the children it has reaped (their own time plus what they
/// had reaped in turn; the kernel adds it to the parent's <c>cutime</c>/<c>cstime</c> when the parent waits for them).
/// </summary>
internal readonly record struct ProcStat(int Pid, int ParentPid, long UserTicks, long SystemTicks, long ReapedUserTicks, long ReapedSystemTicks)
{
    public long OwnTicks => UserTicks + SystemTicks;

    public long ReapedTicks => ReapedUserTicks + ReapedSystemTicks;

    /// <summary>
    /// Parses a stat line (proc(5)): <c>pid (comm) state ppid … utime stime cutime cstime …</c>, fields 14–17.
    /// <c>comm</c> may hold spaces and parentheses (PostgreSQL backends retitle themselves), so the fields are counted
    /// from its last closing parenthesis. Null for a line that is not one.
    /// </summary>
    public static ProcStat? Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var open = line.IndexOf('(', StringComparison.Ordinal);
        var close = line.LastIndexOf(')');
        if (open <= 0 || close < open || !int.TryParse(line.AsSpan(0, open).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return null;
        }

        // After the comm: [0] state (field 3), [1] ppid (field 4), …, [11] utime (field 14) … [14] cstime (field 17).
        var fields = line[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 14
            && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)
            && long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out var utime)
            && long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out var stime)
            && long.TryParse(fields[13], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var cutime)
            && long.TryParse(fields[14], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var cstime)
            ? new ProcStat(pid, parent, utime, stime, cutime, cstime)
            : null;
    }

    /// <summary>
    /// CPU ticks of the process tree under <paramref name="root"/>: for every process in it, its own time plus the time
    /// of the children it has reaped. A child that exited and was reaped is thereby counted once, in its parent's
    /// reaped time; a live one by its own line. A descendant that left the tree before it exited (a daemon that
    /// double-forked to init) is not counted; PostgreSQL's backends and RabbitMQ's port programs do not do that.
    /// Zero when the root is not in <paramref name="all"/> (not running).
    /// </summary>
    public static long TreeTicks(IReadOnlyDictionary<int, ProcStat> all, ILookup<int, int> children, int root)
    {
        ArgumentNullException.ThrowIfNull(all);
        ArgumentNullException.ThrowIfNull(children);
        long ticks = 0;
        var pending = new Stack<int>();
        var seen = new HashSet<int>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var pid = pending.Pop();
            if (!seen.Add(pid) || !all.TryGetValue(pid, out var stat))
            {
                continue;
            }

            ticks += stat.OwnTicks + stat.ReapedTicks;
            foreach (var child in children[pid])
            {
                pending.Push(child);
            }
        }

        return ticks;
    }
}
