namespace Herald.Server.Tests.Infrastructure;

/// <summary>Reads Server-Sent Events one at a time (comment-only and retry-only blocks are skipped).</summary>
public sealed class SseReader(StreamReader reader)
{
    public async Task<(string? Id, string? Event, string Data)> NextAsync(CancellationToken ct)
    {
        string? id = null, name = null;
        var data = new List<string>();
        while (true)
        {
            var line = await reader.ReadLineAsync(ct) ?? throw new EndOfStreamException("the event stream ended");
            if (line.Length == 0)
            {
                if (name is not null || data.Count > 0)
                {
                    return (id, name, string.Join('\n', data));
                }

                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = value; break;
                case "event": name = value; break;
                case "data": data.Add(value); break;
            }
        }
    }
}
