using System.Globalization;
using System.Text;

namespace Herald.Server.Observability;

/// <summary>
/// The Prometheus text exposition format (version 0.0.4), written by hand because no exporter package is served here:
/// names, label escaping (<c>\\</c>, <c>\"</c>, <c>\n</c>), HELP escaping (<c>\\</c>, <c>\n</c>) and sample values
/// (<c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>, shortest round-trip floats). Everything that touches the format is here.
/// </summary>
internal static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>
    /// An OpenTelemetry instrument name as a Prometheus metric name: invalid characters become '_', the unit becomes a
    /// suffix (s → _seconds, By → _bytes, ms → _milliseconds; annotations such as {request} are dropped) and counters end
    /// in _total; a gauge whose name would end in a histogram's suffix gets _current.
    /// </summary>
    public static string MetricName(string instrument, string? unit, bool counter)
    {
        var name = Sanitize(instrument, allowColon: true);
        var suffix = unit switch
        {
            "s" => "_seconds",
            "ms" => "_milliseconds",
            "By" => "_bytes",
            _ => "",
        };
        if (suffix.Length > 0 && !name.EndsWith(suffix, StringComparison.Ordinal))
        {
            name += suffix;
        }

        if (counter && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }

        // _count, _sum and _bucket belong to histograms (promtool rejects them elsewhere): the runtime's
        // dotnet.assembly.count gauge becomes dotnet_assembly_count_current.
        if (!counter && (name.EndsWith("_count", StringComparison.Ordinal) || name.EndsWith("_sum", StringComparison.Ordinal) || name.EndsWith("_bucket", StringComparison.Ordinal)))
        {
            name += "_current";
        }

        return name;
    }

    /// <summary>A label name: [a-zA-Z_][a-zA-Z0-9_]* (OpenTelemetry's dots become underscores).</summary>
    public static string LabelName(string key) => Sanitize(key, allowColon: false);

    public static void Help(StringBuilder o, string name, string? help)
    {
        o.Append("# HELP ").Append(name).Append(' ');
        foreach (var ch in help ?? name)
        {
            _ = ch switch
            {
                '\\' => o.Append(@"\\"),
                '\n' => o.Append(@"\n"),
                _ => o.Append(ch),
            };
        }

        o.Append('\n');
    }

    public static void Type(StringBuilder o, string name, string type) => o.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    /// <summary>One sample line. <paramref name="labels"/> is already rendered by <see cref="Labels"/> (or empty).</summary>
    public static void Sample(StringBuilder o, string name, string labels, double value) =>
        o.Append(name).Append(labels).Append(' ').Append(Value(value)).Append('\n');

    /// <summary>Renders <c>{a="x",b="y"}</c> in the given order, or "" for none; an extra pair (such as le) goes last.</summary>
    public static string Labels(IReadOnlyList<KeyValuePair<string, string>> labels, string? extraName = null, string? extraValue = null)
    {
        if (labels.Count == 0 && extraName is null)
        {
            return "";
        }

        var o = new StringBuilder("{");
        for (var i = 0; i < labels.Count; i++)
        {
            AppendPair(o, labels[i].Key, labels[i].Value, first: i == 0);
        }

        if (extraName is not null)
        {
            AppendPair(o, extraName, extraValue ?? "", first: labels.Count == 0);
        }

        return o.Append('}').ToString();
    }

    public static string Value(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static void AppendPair(StringBuilder o, string name, string value, bool first)
    {
        if (!first)
        {
            o.Append(',');
        }

        o.Append(name).Append("=\"");
        foreach (var ch in value)
        {
            _ = ch switch
            {
                '\\' => o.Append(@"\\"),
                '"' => o.Append("\\\""),
                '\n' => o.Append(@"\n"),
                _ => o.Append(ch),
            };
        }

        o.Append('"');
    }

    private static string Sanitize(string raw, bool allowColon)
    {
        var o = new StringBuilder(raw.Length);
        foreach (var ch in raw)
        {
            o.Append(char.IsAsciiLetterOrDigit(ch) || ch == '_' || (allowColon && ch == ':') ? ch : '_');
        }

        if (o.Length == 0 || char.IsAsciiDigit(o[0]))
        {
            o.Insert(0, '_');
        }

        return o.ToString();
    }
}
