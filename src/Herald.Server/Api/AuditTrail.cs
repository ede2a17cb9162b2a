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
    /// <summary>Who is calling: the id of the API key the ApiKey authentication scheme put on the request's user.</summary>
    public static string? Actor(HttpContext http) => http.User.FindFirst(AuthSchemes.KeyIdClaim)?.Value;

    public Task RecordAsync(HttpContext http, string action, string target, JsonObject? details = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var at = time.GetUtcNow();
        var trace = Activity.Current is { } activity ? activity.TraceId.ToHexString() : null;
        // Every audited endpoint requires a key; an entry without one would be a routing bug, still recorded as such.
        var entry = new AuditEntry(Ids.New(AuditEntry.IdPrefix, at), at, Actor(http) ?? "unknown", action, target, details?.ToJsonString(), trace);
        // Not the request's token: the action is done, so its record is written even if the caller has gone.
        return store.AppendAsync(entry, CancellationToken.None);
    }

    /// <summary>Herald's own actions (the bootstrap key), outside any request.</summary>
    public Task RecordSystemAsync(string action, string target, CancellationToken ct)
    {
        var at = time.GetUtcNow();
        return store.AppendAsync(new AuditEntry(Ids.New(AuditEntry.IdPrefix, at), at, AuditActions.SystemActor, action, target, null, null), ct);
    }
}
