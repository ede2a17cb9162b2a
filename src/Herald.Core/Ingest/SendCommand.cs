using System.Text.Json.Nodes;
using Herald.Core.Domain;

namespace Herald.Core.Ingest;

/// <summary>A validated send request (single or batch) as the API hands it to ingest.</summary>
public sealed record SendCommand(
    string EventType,
    IReadOnlyList<string> RecipientIds,
    bool IsBatch,
    Priority Priority,
    IReadOnlyList<Channel>? Channels,
    string TemplateId,
    int? TemplateVersion,
    JsonObject Data,
    string? IdempotencyKey,
    DateTimeOffset? ScheduledAt,
    string RequestHash,
    NotificationOptions? Options = null,
    string EnvironmentId = Environments.Default);

/// <summary>How ingest answered: a response to send (new or replayed) or a problem.</summary>
public abstract record IngestResult
{
    private IngestResult() { }

    public sealed record Accepted(int StatusCode, string Body, bool Replayed) : IngestResult;

    public sealed record Problem(IngestProblem Kind, string Field, string Detail) : IngestResult;
}

public enum IngestProblem
{
    UnknownTemplate,
    UnknownTemplateVersion,
    TemplateNotPublished,
    MissingVariable,
    ChannelNotInTemplate,
    IdempotencyKeyReused,
    IdempotencyKeyInFlight,
    Overloaded,

    /// <summary>The store refused a value of the request (see <see cref="Storage.StoreDataException"/>); nothing of it was stored.</summary>
    Unstorable,
}
