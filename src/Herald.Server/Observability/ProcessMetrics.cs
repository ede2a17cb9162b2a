using System.Diagnostics;
using System.Text;

namespace Herald.Server.Observability;

/// <summary>The conventional process_* series every Prometheus client library exports (CPU, memory, start time, open files).</summary>
internal static class ProcessMetrics
{
    private static readonly double StartTime = new DateTimeOffset(Process.GetCurrentProcess().StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;

    public static void Write(StringBuilder o)
    {
        using var process = Process.GetCurrentProcess();
        Gauge(o, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", process.TotalProcessorTime.TotalSeconds);
        Gauge(o, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", process.WorkingSet64);
        Gauge(o, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", process.VirtualMemorySize64);
        Gauge(o, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", StartTime);
        if (OperatingSystem.IsLinux() && Directory.Exists("/proc/self/fd"))
        {
            Gauge(o, "process_open_fds", "gauge", "Number of open file descriptors.", Directory.GetFiles("/proc/self/fd").Length);
        }
    }

    private static void Gauge(StringBuilder o, string name, string type, string help, double value)
    {
        PrometheusText.Help(o, name, help);
        PrometheusText.Type(o, name, type);
        PrometheusText.Sample(o, name, "", value);
    }
}
