using System.Text.Json;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>Asserts an RFC 9457 problem body: content type, stable type, status, and (for input errors) the named field.</summary>
public static class ProblemAssert
{
    public const string TypeBase = "https://herald.dev/problems/";

    /// <summary>
    /// Reads the problem body, asserts its status and <c>type</c> (https://herald.dev/problems/<paramref name="kind"/>), and when
    /// <paramref name="field"/> is given that <c>errors</c> has exactly that key with a non-empty message. Returns the body.
    /// </summary>
    public static async Task<JsonDocument> ShouldBeProblemAsync(this HttpResponseMessage response, int status, string kind, string? field = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(status, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered: {text}");
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", text);
        var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        root.GetProperty("type").GetString().ShouldBe(TypeBase + kind, text);
        root.GetProperty("status").GetInt32().ShouldBe(status, text);
        root.GetProperty("title").GetString().ShouldNotBeNullOrWhiteSpace(text);
        if (field is not null)
        {
            root.TryGetProperty("errors", out var errors).ShouldBeTrue($"no 'errors' in {text}");
            errors.TryGetProperty(field, out var messages).ShouldBeTrue($"'errors' does not name '{field}': {text}");
            messages.GetArrayLength().ShouldBeGreaterThan(0);
            messages[0].GetString().ShouldNotBeNullOrWhiteSpace();
        }

        return doc;
    }

    /// <summary>The first message for <paramref name="field"/> in the problem's <c>errors</c>.</summary>
    public static string ErrorFor(this JsonDocument problem, string field)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return problem.RootElement.GetProperty("errors").GetProperty(field)[0].GetString()!;
    }

    public static string Detail(this JsonDocument problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return problem.RootElement.GetProperty("detail").GetString()!;
    }
}
