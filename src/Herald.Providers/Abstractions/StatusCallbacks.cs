using Herald.Core.Tracking;

namespace Herald.Providers.Abstractions;

/// <summary>
/// A vendor's HTTP call to <c>/api/v1/webhooks/{name}</c>. <see cref="Url"/> is the public URL the vendor called (the
/// configured <c>Herald:PublicBaseUrl</c> plus path and query), which is what vendors sign.
/// </summary>
public sealed record InboundCallback(Uri Url, string Method, IReadOnlyDictionary<string, string> Headers, byte[] Body, string? ContentType, DateTimeOffset ReceivedAt)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    /// <summary>The body as application/x-www-form-urlencoded pairs, in order (empty when it is not a form).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Form() => FormBody.Parse(Body);
}

/// <summary>The outcome of parsing a callback.</summary>
public abstract record CallbackResult
{
    private CallbackResult() { }

    /// <summary>
    /// Verified and parsed. <paramref name="Replay"/> names the callback as a whole and is remembered even when it carries
    /// no event Herald acts on: a vendor whose signature does not cover the body (Mailgun) must have each signature used once.
    /// </summary>
    public sealed record Accepted(IReadOnlyList<TrackingEvent> Events, ReplayKey? Replay = null) : CallbackResult;

    /// <summary>Refused: 401 for a bad or missing signature, 400 for a malformed body. Nothing is changed.</summary>
    public sealed record Rejected(int Status, string Reason) : CallbackResult;

    public static CallbackResult BadSignature(string reason) => new Rejected(401, reason);

    public static CallbackResult Malformed(string reason) => new Rejected(400, reason);
}

/// <summary>application/x-www-form-urlencoded parsing that keeps order and duplicates (Twilio signs the sorted pairs).</summary>
public static class FormBody
{
    public static IReadOnlyList<KeyValuePair<string, string>> Parse(ReadOnlySpan<byte> body)
    {
        var text = System.Text.Encoding.UTF8.GetString(body);
        var result = new List<KeyValuePair<string, string>>();
        foreach (var pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? pair : pair[..eq];
            var value = eq < 0 ? "" : pair[(eq + 1)..];
            result.Add(new(Uri.UnescapeDataString(key.Replace('+', ' ')), Uri.UnescapeDataString(value.Replace('+', ' '))));
        }

        return result;
    }
}
