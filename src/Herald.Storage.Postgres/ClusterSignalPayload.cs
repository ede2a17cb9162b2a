using System.Text;

namespace Herald.Storage.Postgres;

/// <summary>
/// How a cluster signal travels in a NOTIFY payload: the topic on the first line, one key per line after it. Payloads stay
/// well under PostgreSQL's 8,000-byte limit; a transaction with more keys sends several. An empty key line means "any".
/// </summary>
internal static class ClusterSignalPayload
{
    public const string Channel = "herald_signals";

    private const int MaxBytes = 7_000;

    public static List<string> Encode(string topic, IEnumerable<string> keys)
    {
        var payloads = new List<string>();
        var current = new StringBuilder(topic);
        var bytes = Encoding.UTF8.GetByteCount(topic);
        var any = false;
        foreach (var raw in keys.Distinct(StringComparer.Ordinal))
        {
            // A key that cannot travel on one line (or would fill a payload alone) is sent as "any key of the topic".
            var key = raw.Contains('\n', StringComparison.Ordinal) || raw.Length > 1_000 ? "" : raw;
            var size = Encoding.UTF8.GetByteCount(key) + 1;
            if (any && bytes + size > MaxBytes)
            {
                payloads.Add(current.ToString());
                current.Clear().Append(topic);
                bytes = Encoding.UTF8.GetByteCount(topic);
            }

            current.Append('\n').Append(key);
            bytes += size;
            any = true;
        }

        if (any)
        {
            payloads.Add(current.ToString());
        }

        return payloads;
    }

    /// <summary>The topic and its keys; a null key means any key of the topic.</summary>
    public static (string Topic, string?[] Keys) Decode(string payload)
    {
        var lines = payload.Split('\n');
        return (lines[0], [.. lines.Skip(1).Select(k => k.Length == 0 ? null : k)]);
    }
}
