using Herald.Core.Templates;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Server.Api;

/// <summary>A failed library check as a problem: text that is wrong is a 400 naming the field, what the library lacks (or a cycle) a 422 of that kind.</summary>
internal static class TemplateLibraryProblems
{
    public static ProblemHttpResult Of(TemplateException ex, string prefix = "") =>
        ex.Kind is { } kind ? Problems.Unprocessable(kind, prefix + ex.Field, ex.Message) : Problems.Validation(prefix + ex.Field, ex.Message);
}
