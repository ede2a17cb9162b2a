using System.Diagnostics;
using System.Text.Json.Nodes;
using Herald.Core.Audit;
using Herald.Core.Pipeline;
using Herald.Core.Storage;

namespace Herald.Server.Api;

/// <summary>
/// Writes the audit entry of an operator action once the action has succeeded (a refused or failed action writes
/// nothing). After the fact rather than in the action's transaction: the actions are some twenty store calls on two
/// engines, and one (disabling a provider) is no store call at all; the cost is that a crash between the action and
/// this append loses the entry.
/// </summary>
internal sealed class AuditTrail(IAuditStore store, TimeProvider time)
{
    private long _lastMs;

    /// <summary>Who is calling: the id of the API key the ApiKey authentication scheme put on the request's user.</summary>
    public static string? Actor(HttpContext http) => http.User.FindFirst(AuthSchemes.KeyIdClaim)?.Value;

    public Task RecordAsync(HttpContext http, string action, string target, JsonObject? details = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var at = time.GetUtcNow();
        var trace = Activity.Current is { } activity ? activity.TraceId.ToHexString() : null;
        // Every audited endpoint requires a key; an entry without one would be a routing bug, still recorded as such.
        var entry = new AuditEntry(NextId(at), at, Actor(http) ?? "unknown", action, target, details?.ToJsonString(), trace);
        // Not the request's token: the action is done, so its record is written even if the caller has gone.
        return store.AppendAsync(entry, CancellationToken.None);
    }

    /// <summary>Herald's own actions (the bootstrap key), outside any request.</summary>
    public Task RecordSystemAsync(string action, string target, CancellationToken ct)
    {
        var at = time.GetUtcNow();
        return store.AppendAsync(new AuditEntry(NextId(at), at, AuditActions.SystemActor, action, target, null, null), ct);
    }

    /// <summary>
    /// The log lists newest first by id, and a UUIDv7's bits after its millisecond are random: two actions of one
    /// millisecond (a create then a rotate) would list in either order. Ids of this process carry a strictly increasing
    /// millisecond (at most a few ahead of the clock under a burst), so its entries list in the order they were made.
    /// </summary>
    private string NextId(DateTimeOffset at)
    {
        var ms = at.ToUnixTimeMilliseconds();
        long previous, next;
        do
        {
            previous = Interlocked.Read(ref _lastMs);
            next = Math.Max(ms, previous + 1);
        }
        while (Interlocked.CompareExchange(ref _lastMs, next, previous) != previous);

        return Ids.New(AuditEntry.IdPrefix, DateTimeOffset.FromUnixTimeMilliseconds(next));
    }
}
