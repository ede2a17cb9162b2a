namespace Herald.Server.Api;

/// <summary>A saved JSON response, written as stored (idempotent replays return the very same bytes).</summary>
internal sealed class RawJsonResult(int status, string body, bool replayed) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = status;
        httpContext.Response.ContentType = "application/json";
        if (replayed)
        {
            httpContext.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return httpContext.Response.WriteAsync(body);
    }
}

/// <summary>Adds Retry-After to an overload answer.</summary>
internal sealed class RetryAfterResult(IResult inner, int seconds) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return inner.ExecuteAsync(httpContext);
    }
}
