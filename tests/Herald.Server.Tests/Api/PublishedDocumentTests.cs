using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>
/// docs/openapi.json is the document clients are generated from: it must be what the server serves. With
/// HERALD_WRITE_OPENAPI=1 the test writes the served document there instead of comparing.
/// </summary>
public sealed class PublishedDocumentTests(HeraldServerFixture server) : IClassFixture<HeraldServerFixture>
{
    public const string Regenerate = "HERALD_WRITE_OPENAPI=1 dotnet test tests/Herald.Server.Tests -c Release --filter FullyQualifiedName~PublishedDocumentTests";

    [Fact]
    public async Task DocsOpenApiJson_ComparedWithTheServedDocument_Same()
    {
        using var anonymous = server.CreateClient();
        var served = await anonymous.GetStringAsync("/openapi/v1.json");
        var file = Path.Combine(RepositoryRoot(), "docs", "openapi.json");
        if (Environment.GetEnvironmentVariable("HERALD_WRITE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(file, served.ReplaceLineEndings("\n").TrimEnd() + "\n");
        }

        File.Exists(file).ShouldBeTrue($"docs/openapi.json is missing; write it with: {Regenerate}");
        var difference = FirstDifference(JsonNode.Parse(await File.ReadAllTextAsync(file)), JsonNode.Parse(served), "#");
        difference.ShouldBeNull($"docs/openapi.json is not what the server serves; regenerate it with: {Regenerate}");
    }

    [Fact]
    public void FirstDifference_KeyOrderAndWhitespace_Ignored_ValuesAndArrayOrder_Found()
    {
        FirstDifference(JsonNode.Parse("""{"a": 1, "b": [1, 2]}"""), JsonNode.Parse("""{"b":[1,2],"a":1}"""), "#").ShouldBeNull();
        FirstDifference(JsonNode.Parse("""{"a": {"b": 1}}"""), JsonNode.Parse("""{"a": {"b": 2}}"""), "#").ShouldBe("#/a/b: 1 in the file, 2 served");
        FirstDifference(JsonNode.Parse("""{"a": [1, 2]}"""), JsonNode.Parse("""{"a": [2, 1]}"""), "#").ShouldBe("#/a/0: 1 in the file, 2 served");
        FirstDifference(JsonNode.Parse("""{"a": 1}"""), JsonNode.Parse("""{"a": 1, "c": 3}"""), "#").ShouldBe("#/c: (absent) in the file, 3 served");
    }

    /// <summary>The first place where the file and the served document differ (key order and layout aside), or null.</summary>
    internal static string? FirstDifference(JsonNode? file, JsonNode? served, string at)
    {
        switch (file, served)
        {
            case (JsonObject f, JsonObject s):
                foreach (var key in f.Select(p => p.Key).Union(s.Select(p => p.Key)).Order(StringComparer.Ordinal))
                {
                    if (f.ContainsKey(key) != s.ContainsKey(key))
                    {
                        return $"{at}/{key}: {Show(f[key], f.ContainsKey(key))} in the file, {Show(s[key], s.ContainsKey(key))} served";
                    }

                    if (FirstDifference(f[key], s[key], $"{at}/{key}") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case (JsonArray f, JsonArray s):
                for (var i = 0; i < Math.Max(f.Count, s.Count); i++)
                {
                    if (i >= f.Count || i >= s.Count)
                    {
                        return $"{at}: {f.Count} items in the file, {s.Count} served";
                    }

                    if (FirstDifference(f[i], s[i], $"{at}/{i}") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            default:
                return JsonNode.DeepEquals(file, served) ? null : $"{at}: {Show(file, true)} in the file, {Show(served, true)} served";
        }
    }

    private static string Show(JsonNode? node, bool present)
    {
        var text = present ? node?.ToJsonString() ?? "null" : "(absent)";
        return text.Length > 80 ? text[..80] + "…" : text;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Herald.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("no Herald.slnx above " + AppContext.BaseDirectory);
    }
}
