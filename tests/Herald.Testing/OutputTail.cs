using System.Collections.Concurrent;

namespace Herald.Testing;

/// <summary>The last lines a child process wrote (at most <paramref name="lines"/>), for failure messages.</summary>
public sealed class OutputTail(int lines)
{
    private readonly ConcurrentQueue<string> _lines = new();

    public void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        while (_lines.Count > lines)
        {
            _lines.TryDequeue(out _);
        }
    }

    public override string ToString() => string.Join('\n', _lines);
}
