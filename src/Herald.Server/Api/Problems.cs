using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Server.Api;

/// <summary>Every error leaves as RFC 9457 problem details with a stable <c>type</c> and, for input errors, per-field <c>errors</c>.</summary>
internal static class Problems
{
    public const string TypeBase = "https://herald.dev/problems/";

    public static ProblemHttpResult Field(int status, string type, string title, string field, string detail) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [detail] })
        {
            Status = status,
            Type = TypeBase + type,
            Title = title,
            Detail = field.Length == 0 ? detail : $"{field}: {detail}",
        });

    public static ProblemHttpResult Validation(string field, string detail) => Field(400, "validation", "The request is invalid.", field, detail);

    public static ProblemHttpResult Unprocessable(string type, string field, string detail) => Field(422, type, "The request cannot be processed.", field, detail);

    public static ProblemHttpResult NotFound(string what, string id) =>
        TypedResults.Problem(new ProblemDetails { Status = 404, Type = TypeBase + "not-found", Title = "Not found.", Detail = $"{what} '{id}' does not exist" });

    public static ProblemHttpResult Conflict(string type, string detail) =>
        TypedResults.Problem(new ProblemDetails { Status = 409, Type = TypeBase + type, Title = "Conflict.", Detail = detail });

    public static ProblemHttpResult Plain(int status, string type, string title, string detail) =>
        TypedResults.Problem(new ProblemDetails { Status = status, Type = TypeBase + type, Title = title, Detail = detail });
}
