using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Herald.Sandbox.Core;

/// <summary>A message the sandbox accepted, as the vendor would hold it.</summary>
public sealed class SandboxMessage
{
    public required string Id { get; init; }

    public required string Vendor { get; init; }

    /// <summary>Our reference (Herald's delivery id) when the request carried one (custom_args, client-ref, user variables, ...).</summary>
    public string? Reference { get; init; }

    public required string To { get; init; }

    /// <summary>The request's fields as the vendor parsed them.</summary>
    public required JsonObject Fields { get; init; }

    /// <summary>Request headers, lower-cased names.</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    public required DateTimeOffset At { get; init; }

    /// <summary>The vendor-side status (queued, sent, delivered, undelivered, bounce, ...).</summary>
    public string Status { get; set; } = "accepted";

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["vendor"] = Vendor,
        ["reference"] = Reference,
        ["to"] = To,
        ["status"] = Status,
        ["at"] = At.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["headers"] = new JsonObject(Headers.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)JsonValue.Create(h.Value)))),
        ["fields"] = Fields.DeepClone(),
    };
}

/// <summary>Every accepted message, in order, searchable by vendor, reference and recipient.</summary>
public sealed class MessageLog
{
    private readonly ConcurrentQueue<SandboxMessage> _all = new();
    private readonly ConcurrentDictionary<string, SandboxMessage> _byId = new(StringComparer.Ordinal);

    public void Add(SandboxMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        _byId[message.Id] = message;
        _all.Enqueue(message);
    }

    public SandboxMessage? Get(string id) => _byId.TryGetValue(id, out var m) ? m : null;

    public IReadOnlyList<SandboxMessage> Find(string? vendor = null, string? reference = null, string? to = null) =>
        [.. _all.Where(m => (vendor is null || m.Vendor == vendor) && (reference is null || m.Reference == reference) && (to is null || m.To == to))];

    public void Clear()
    {
        _all.Clear();
        _byId.Clear();
    }
}
