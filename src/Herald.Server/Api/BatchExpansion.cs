using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Server.Api;

/// <summary>
/// Caps what one request expands into: each notification copies the request's <c>data</c>, so the stored size is
/// recipients × serialized data, which a small body can make enormous (5,000 × 190 KB is ~1 GB from a 256 KiB body).
/// </summary>
internal static class BatchExpansion
{
    /// <summary>A 413 problem naming the limit and the computed size when the expansion exceeds the cap; null otherwise.</summary>
    public static ProblemHttpResult? Check(int recipients, JsonObject? data, long maxBytes) =>
        Check(recipients, Encoding.UTF8.GetByteCount((data ?? []).ToJsonString()), maxBytes);

    /// <inheritdoc cref="Check(int, JsonObject?, long)"/>
    public static ProblemHttpResult? Check(int recipients, string data, long maxBytes) =>
        Check(recipients, (long)Encoding.UTF8.GetByteCount(data), maxBytes);

    private static ProblemHttpResult? Check(int recipients, long dataBytes, long maxBytes)
    {
        var expanded = recipients * dataBytes;
        if (expanded <= maxBytes)
        {
            return null;
        }

        return TypedResults.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status413PayloadTooLarge,
            Type = Problems.TypeBase + "batch-too-large",
            Title = "The request expands beyond the storage limit.",
            Detail = $"{recipients} recipients × {dataBytes} bytes of data = {expanded} bytes, over the limit of {maxBytes} bytes "
                + $"({IngestOptions.SectionName}:{nameof(IngestOptions.MaxBatchExpandedBytes)}); send fewer recipients per request or less data",
            Extensions = { ["limit"] = maxBytes, ["expanded_bytes"] = expanded, ["recipients"] = recipients, ["data_bytes"] = dataBytes },
        });
    }
}
