using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Observability;

/// <summary>
/// deploy/grafana/herald.json: every panel query is PromQL that promtool parses, and every metric (and matcher label) it
/// names is in a live /metrics scrape after one notification was delivered (and one suppressed as a duplicate, so the
/// suppression counter has a series). Histograms are named by their _bucket, _sum or _count series, as the scrape has them.
/// </summary>
public sealed partial class GrafanaDashboardTests(MetricsServerFixture server) : IClassFixture<MetricsServerFixture>
{
    private static readonly HashSet<string> Keywords = ["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan"];

    [Fact]
    public async Task Dashboard_EveryExpression_ParsesAndNamesOnlySeriesALiveScrapeHas()
    {
        var expressions = Expressions();
        expressions.Count.ShouldBeGreaterThanOrEqualTo(15);
        await PromtoolParsesAsync(expressions);

        var template = HeraldServerFixture.NewId("tpl");
        await server.CreateStandardTemplateAsync(template, allChannels: true);
        var user = HeraldServerFixture.NewId("user");
        await server.PutUserAsync(user, phone: "+15550100300");
        var request = new JsonObject { ["event_type"] = template, ["recipient_id"] = user, ["channels"] = new JsonArray("in_app", "sms"), ["data"] = new JsonObject { ["name"] = "g" } };
        (await server.WaitForCompletedAsync(await server.SendAsync(request)))["deliveries"]!.AsArray().ShouldAllBe(d => d!["status"]!.GetValue<string>() == "sent");
        await server.WaitForCompletedAsync(await server.SendAsync(request.DeepClone().AsObject()));
        var series = new Dictionary<string, List<Dictionary<string, string>>>();
        await Polling.WaitUntilAsync(async () =>
        {
            series = Series(await MetricsText.ScrapeAsync(server.Client));
            return series.ContainsKey("herald_dlq_depth") && series.ContainsKey("herald_suppressions_total");
        }, Polling.DefaultTimeout, "the queue gauges or the suppression never showed in /metrics");

        var used = expressions.SelectMany(Selectors).ToList();
        used.Select(s => s.Metric).Distinct().Where(m => !series.ContainsKey(m)).ShouldBeEmpty("metrics the dashboard names that /metrics does not have");
        used.SelectMany(s => s.Matchers.Where(l => !series[s.Metric].Any(labels => labels.ContainsKey(l.Label))).Select(l => $"{s.Metric}{{{l.Label}}}"))
            .Distinct().ShouldBeEmpty("matcher labels the metric does not carry");
        // Equality and regex matchers select something; negative ones and the status code's pick failures, which this traffic has none of.
        used.Where(s => !series[s.Metric].Any(labels => s.Matchers.All(m => m.Op is "!=" or "!~" || m.Label == "http_response_status_code" || Matches(m, labels))))
            .Select(s => s.Metric + "{" + string.Join(',', s.Matchers.Select(m => m.Label + m.Op + m.Value)) + "}").Distinct()
            .ShouldBeEmpty("selectors that match no series of the scrape");
    }

    [Theory]
    [InlineData("histogram_quantile(0.99, sum by (le, channel) (rate(herald_delivery_latency_seconds_bucket{priority!=\"low\",le=\"30\"}[5m])))",
        "herald_delivery_latency_seconds_bucket{priority,le}")]
    [InlineData("sum by (channel) (rate(a_total{outcome!=\"sent\"}[5m])) / sum by (channel) (rate(b_total[5m]))", "a_total{outcome} b_total{}")]
    [InlineData("max by (provider, state) (herald_provider_circuit_state) == 1", "herald_provider_circuit_state{}")]
    [InlineData("sum(rate(x_count{code=~\"5..|429\", route=\"/a{b}\"}[1h] offset 5m)) > bool 0", "x_count{code,route}")]
    public void Selectors_Expression_AreTheMetricsAndTheirMatcherLabels(string expression, string expected) =>
        string.Join(' ', Selectors(expression).Select(s => $"{s.Metric}{{{string.Join(',', s.Matchers.Select(m => m.Label))}}}")).ShouldBe(expected);

    /// <summary>Every target's expression, Grafana's <c>$__…</c> variables given a value PromQL accepts.</summary>
    private static List<string> Expressions()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "deploy", "grafana", "herald.json")))!;
        var panels = dashboard["panels"]!.AsArray().SelectMany(p => new[] { p! }.Concat(p!["panels"]?.AsArray().Select(c => c!) ?? []));
        return [.. panels.SelectMany(p => p["targets"]?.AsArray() ?? []).Select(t => GrafanaVariable().Replace(t!["expr"]!.GetValue<string>(), "5m"))];
    }

    private static async Task PromtoolParsesAsync(List<string> expressions)
    {
        var dir = Directory.CreateTempSubdirectory("herald-dashboard");
        try
        {
            var rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
            for (var i = 0; i < expressions.Count; i++)
            {
                rules.Append("      - record: dashboard:expr_").Append(i).Append("\n        expr: |\n          ").Append(expressions[i]).Append('\n');
            }

            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "dashboard.yml"), rules.ToString());
            var (exitCode, output) = await Promtool.RunAsync(["check", "rules", "dashboard.yml"], workingDirectory: dir.FullName);

            exitCode.ShouldBe(0, output);
            output.ShouldContain($"SUCCESS: {expressions.Count} rules found");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The series selectors of an expression: each metric name with the label names of its matchers. String literals,
    /// matchers, ranges and by/without/on/ignoring/group_* lists are set aside first, so what is left as a name not
    /// followed by "(" (a function or aggregation) and not a keyword is a metric.
    /// </summary>
    private static List<(string Metric, List<(string Label, string Op, string Value)> Matchers)> Selectors(string expression)
    {
        var strings = new List<string>();
        var text = StringLiteral().Replace(expression, m =>
        {
            strings.Add(m.Value);
            return $"\"{strings.Count - 1}\"";
        });
        var matchers = new List<List<(string, string, string)>>();
        text = Matchers().Replace(text, m =>
        {
            matchers.Add([.. Matcher().Matches(m.Groups[1].Value).Select(l => (l.Groups[1].Value, l.Groups[2].Value, Unquote(strings[int.Parse(l.Groups[3].Value)])))]);
            return $"§{matchers.Count - 1}";
        });
        text = Range().Replace(text, " ");
        text = Grouping().Replace(text, " ");
        var found = new List<(string, List<(string, string, string)>)>();
        foreach (Match m in Name().Matches(text))
        {
            var name = m.Groups[1].Value;
            var labels = m.Groups[2].Success ? matchers[int.Parse(m.Groups[2].Value)] : [];
            if (!m.Groups[3].Success && !Keywords.Contains(name.ToLowerInvariant()))
            {
                found.Add((name, labels));
            }
        }

        return found;
    }

    /// <summary>Every series name in a scrape, with the labels of each of its samples.</summary>
    private static Dictionary<string, List<Dictionary<string, string>>> Series(string scrape)
    {
        var series = new Dictionary<string, List<Dictionary<string, string>>>(StringComparer.Ordinal);
        foreach (var line in scrape.Split('\n').Where(l => l.Length > 0 && l[0] != '#'))
        {
            var m = Sample().Match(line);
            var samples = series.TryGetValue(m.Groups[1].Value, out var known) ? known : series[m.Groups[1].Value] = [];
            samples.Add(ScrapedLabel().Matches(m.Groups[2].Value).ToDictionary(l => l.Groups[1].Value, l => Unquote(l.Groups[2].Value), StringComparer.Ordinal));
        }

        return series;
    }

    /// <summary>An equality or regex matcher (anchored, as PromQL anchors them) against one sample's labels.</summary>
    private static bool Matches((string Label, string Op, string Value) matcher, Dictionary<string, string> labels)
    {
        var value = labels.GetValueOrDefault(matcher.Label, "");
        return matcher.Op == "=" ? value == matcher.Value : Regex.IsMatch(value, $"^(?:{matcher.Value})$");
    }

    private static string Unquote(string literal) => Regex.Unescape(literal[1..^1]);

    private static string RepositoryRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { Path.GetDirectoryName(sourceFile), AppContext.BaseDirectory })
        {
            for (var dir = start is null ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Herald.slnx")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Herald.slnx not found above " + sourceFile + " or " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"\$__\w+")]
    private static partial Regex GrafanaVariable();

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""|'(?:[^'\\]|\\.)*'")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\{([^}]*)\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*""(\d+)""")]
    private static partial Regex Matcher();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=(""(?:[^""\\]|\\.)*"")")]
    private static partial Regex ScrapedLabel();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Range();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![\w:.""§])([a-zA-Z_:][a-zA-Z0-9_:]*)(?:§(\d+))?\s*(\()?")]
    private static partial Regex Name();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s")]
    private static partial Regex Sample();
}
