using System.Net;
using System.Text.Json.Nodes;

namespace Herald.Client;

/// <summary>
/// The server answered with an error status. The fields are its RFC 9457 problem details when it sent them
/// (<see cref="Type"/> is stable per error, e.g. <c>https://herald.dev/problems/validation</c>).
/// </summary>
public sealed class HeraldApiException : Exception
{
    public HeraldApiException()
    {
    }

    public HeraldApiException(string message)
        : base(message)
    {
    }

    public HeraldApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal HeraldApiException(HttpStatusCode status, ProblemDocument? problem, JsonObject? document, string? reason)
        : base(problem?.Detail ?? problem?.Title ?? $"{(int)status} {reason}")
    {
        StatusCode = status;
        Problem = document;
        Type = problem?.Type;
        Title = problem?.Title ?? reason;
        Detail = problem?.Detail;
        Instance = problem?.Instance;
        TraceId = problem?.TraceId;
        Errors = problem?.Errors ?? new Dictionary<string, string[]>();
    }

    public HttpStatusCode StatusCode { get; }

    public string? Type { get; }

    public string? Title { get; }

    public string? Detail { get; }

    public string? Instance { get; }

    /// <summary>The W3C trace id of the failed request, for the server's logs.</summary>
    public string? TraceId { get; }

    /// <summary>The problem document as the server sent it, extension members included; null when the body was not JSON.</summary>
    public JsonObject? Problem { get; }

    /// <summary>Input errors: the messages per field (empty unless the problem was a validation error).</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; } = new Dictionary<string, string[]>();
}

internal sealed record ProblemDocument(string? Type, string? Title, int? Status, string? Detail, string? Instance,
    Dictionary<string, string[]>? Errors, string? TraceId);
