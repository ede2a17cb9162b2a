using System.Globalization;
using System.Text;

namespace Herald.Bench.Scenarios;

/// <summary>
/// The send requests the scenarios drive, as pre-built JSON (the client must stay cheap beside the server on 2 cores).
/// Every notification carries its sequence number, so no two are duplicates of each other by content.
/// </summary>
internal static class Requests
{
    public const int BatchSize = 100;

    public static HttpRequestMessage Single(string eventType, string recipient, long n, string priority = "normal", string template = "bench") =>
        Post("/api/v1/notifications", string.Create(CultureInfo.InvariantCulture,
            $$$"""{"event_type":"{{{eventType}}}","recipient_id":"{{{recipient}}}","template_id":"{{{template}}}","priority":"{{{priority}}}","data":{"n":"{{{n}}}"}}"""));

    /// <summary>A batch of <see cref="BatchSize"/> recipients: <paramref name="prefix"/> + (first .. first + 99).</summary>
    public static HttpRequestMessage Batch(string eventType, string prefix, long first, long n, string priority = "normal", DateTimeOffset? scheduledAt = null,
        string template = "bench")
    {
        var body = new StringBuilder(2_000);
        body.Append(CultureInfo.InvariantCulture, $$"""{"event_type":"{{eventType}}","template_id":"{{template}}","priority":"{{priority}}","data":{"n":"{{n}}"},""");
        if (scheduledAt is { } at)
        {
            body.Append("\"scheduled_at\":\"").Append(at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)).Append("\",");
        }

        body.Append("\"recipient_ids\":[");
        for (var i = 0; i < BatchSize; i++)
        {
            body.Append(i == 0 ? "\"" : ",\"").Append(prefix).Append((first + i).ToString(CultureInfo.InvariantCulture)).Append('"');
        }

        body.Append("]}");
        return Post("/api/v1/notifications/batch", body.ToString());
    }

    private static HttpRequestMessage Post(string path, string json) =>
        new(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
}
