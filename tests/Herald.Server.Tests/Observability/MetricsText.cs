using System.Globalization;

namespace Herald.Server.Tests.Observability;

/// <summary>Reads /metrics the way a test needs it: one series' value by its exact name and labels.</summary>
internal static class MetricsText
{
    public static async Task<string> ScrapeAsync(HttpClient client)
    {
        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
        ((int)response.StatusCode).ShouldBe(200);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The value of the series written exactly as <paramref name="series"/> (name and labels in exposition order), or 0 when absent.</summary>
    public static double Value(string text, string series)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    public static bool Has(string text, string series) => text.Split('\n').Any(l => l.StartsWith(series + " ", StringComparison.Ordinal));
}
