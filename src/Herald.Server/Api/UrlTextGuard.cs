namespace Herald.Server.Api;

/// <summary>
/// The URL's share of the edge check (<see cref="Validate.TextFault"/>; bodies are scanned by <see cref="RequestBody"/>):
/// a query parameter decoding to a NUL is a 400 naming it, before any endpoint runs. Without it a NUL in
/// <c>?recipient_id=</c> reached PostgreSQL, which refuses it, and the search answered 500. The path needs no check here:
/// Kestrel refuses a request whose path decodes to a NUL, and ASP.NET decodes an encoded surrogate to U+FFFD.
/// </summary>
internal static class UrlTextGuard
{
    public static IApplicationBuilder UseUrlTextGuard(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (Find(context.Request) is { } problem)
            {
                await problem.ExecuteAsync(context);
                return;
            }

            await next(context);
        });

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? Find(HttpRequest request)
    {
        foreach (var (name, values) in request.Query)
        {
            var problem = Validate.Text(name, name) ?? values.Select(v => Validate.Text(name, v)).FirstOrDefault(p => p is not null);
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }
}
