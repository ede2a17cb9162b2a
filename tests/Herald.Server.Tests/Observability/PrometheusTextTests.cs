using System.Text;
using Herald.Server.Observability;

namespace Herald.Server.Tests.Observability;

/// <summary>The exposition writer against the examples of the Prometheus text format documentation.</summary>
public sealed class PrometheusTextTests
{
    [Fact]
    public void Labels_ValueWithBackslashQuoteAndNewline_EscapesAsTheFormatSpecifies()
    {
        // The documentation's example: msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""}
        var labels = PrometheusText.Labels([new("path", @"C:\DIR\FILE.TXT"), new("error", "Cannot find file:\n\"FILE.TXT\"")]);

        labels.ShouldBe("{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"}");
    }

    [Fact]
    public void Help_BackslashAndNewline_AreEscapedButQuotesAreNot()
    {
        var o = new StringBuilder();

        PrometheusText.Help(o, "m", "a \\ b\n\"c\"");

        o.ToString().ShouldBe("# HELP m a \\\\ b\\n\"c\"\n");
    }

    [Theory]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(1.5e-3, "0.0015")]
    [InlineData(1027d, "1027")]
    [InlineData(0.1, "0.1")]
    public void Value_SpecialAndOrdinaryNumbers_WrittenAsTheFormatExpects(double value, string expected) =>
        PrometheusText.Value(value).ShouldBe(expected);

    [Theory]
    [InlineData("herald.deliveries", null, true, "herald_deliveries_total")]
    [InlineData("herald.delivery.latency", "s", false, "herald_delivery_latency_seconds")]
    [InlineData("dotnet.process.cpu.time", "s", true, "dotnet_process_cpu_time_seconds_total")]
    [InlineData("dotnet.gc.heap.total_allocated", "By", true, "dotnet_gc_heap_total_allocated_bytes_total")]
    [InlineData("dotnet.gc.collections", "{collection}", true, "dotnet_gc_collections_total")]
    [InlineData("http.server.request.duration", "s", false, "http_server_request_duration_seconds")]
    [InlineData("9lives-x", null, false, "_9lives_x")]
    [InlineData("dotnet.assembly.count", "{assembly}", false, "dotnet_assembly_count_current")]
    public void MetricName_OpenTelemetryInstrument_FollowsPrometheusNaming(string instrument, string? unit, bool counter, string expected) =>
        PrometheusText.MetricName(instrument, unit, counter).ShouldBe(expected);

    [Fact]
    public void LabelName_DottedKey_BecomesUnderscored() => PrometheusText.LabelName("gc.heap.generation").ShouldBe("gc_heap_generation");

    [Fact]
    public void Sample_WithLabelsAndLe_WritesOneLine()
    {
        var o = new StringBuilder();

        PrometheusText.Sample(o, "http_request_duration_seconds_bucket", PrometheusText.Labels([], "le", "0.05"), 24054);

        o.ToString().ShouldBe("http_request_duration_seconds_bucket{le=\"0.05\"} 24054\n");
    }
}
