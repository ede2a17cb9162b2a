using Herald.Core.Pipeline;
using Microsoft.Extensions.Options;

namespace Herald.Server.Api;

/// <summary>Settings under <c>Herald:Feed</c>: live feed streams (Server-Sent Events).</summary>
public sealed class FeedOptions
{
    public const string SectionName = "Herald:Feed";

    /// <summary>How long the server keeps one stream open before ending it (the client resumes with Last-Event-ID). Default 10 min.</summary>
    public TimeSpan StreamLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Open streams one user may hold on one process (tabs, devices); beyond it 429. Default 5.</summary>
    public int MaxStreamsPerUser { get; set; } = 5;

    /// <summary>Open streams one process holds in all; beyond it 429 (a client retries, often on another node). Default 10,000.</summary>
    public int MaxStreamsPerProcess { get; set; } = 10_000;

    /// <summary>
    /// Longest a quiet stream waits before reading the store anyway. Feed changes wake streams at once (in-process, and
    /// from other nodes through the cluster signals); this only covers a signal lost without a reconnect. Default 30 s.
    /// </summary>
    public TimeSpan StreamFallbackPoll { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Counts the open feed streams of this process, per user (of an environment) and in all, to hold them under the caps.</summary>
internal sealed class FeedStreams(IOptions<FeedOptions> options)
{
    private readonly Dictionary<string, int> _perUser = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private int _total;

    public enum Refusal
    {
        None,
        UserFull,
        ProcessFull,
    }

    /// <summary>Takes a stream slot for the user; dispose the lease when the stream ends. Null with the reason when full.</summary>
    public IDisposable? TryOpen(string environmentId, string userId, out Refusal refusal)
    {
        var o = options.Value;
        // The same user id in two environments is two users, each with their own streams.
        var user = Signals.FeedKey(environmentId, userId);
        lock (_gate)
        {
            var mine = _perUser.GetValueOrDefault(user);
            refusal = _total >= o.MaxStreamsPerProcess ? Refusal.ProcessFull : mine >= o.MaxStreamsPerUser ? Refusal.UserFull : Refusal.None;
            if (refusal != Refusal.None)
            {
                return null;
            }

            _perUser[user] = mine + 1;
            _total++;
        }

        return new Lease(this, user);
    }

    private void Close(string userId)
    {
        lock (_gate)
        {
            _total--;
            if (--_perUser[userId] == 0)
            {
                _perUser.Remove(userId);
            }
        }
    }

    private sealed class Lease(FeedStreams owner, string userId) : IDisposable
    {
        private int _closed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                owner.Close(userId);
            }
        }
    }
}
