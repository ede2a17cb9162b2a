using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Herald.Server.Tests.Api;

/// <summary>
/// The bad-input sweep: every route of the OpenAPI document that takes a JSON body gets every class of input that is
/// invalid wherever it appears (malformed and truncated JSON, wrong top-level types, deep nesting, a NUL or a lone
/// surrogate or invalid UTF-8 in each string property its schema names, duplicate keys, an oversize body). Each must be
/// a 4xx RFC 9457 problem, never a 5xx, and the store (every table's row count) must be the same afterwards.
/// </summary>
public sealed class BadInputSweepTests(HeraldServerFixture server, ITestOutputHelper output) : IClassFixture<HeraldServerFixture>
{
    /// <summary>Tables that change by themselves while the server idles (its own heartbeat), not by a request.</summary>
    private static readonly HashSet<string> Ambient = new(StringComparer.Ordinal) { "worker_nodes", "sqlite_sequence" };

    [Fact]
    public async Task EveryJsonRoute_EveryInvalidInputClass_A4xxProblemAndNothingStored()
    {
        var document = await server.Client.GetJsonAsync("/openapi/v1.json");
        var schemas = document["components"]?["schemas"]?.AsObject();
        var cases = new List<(string Method, string Path, string Name, byte[] Body)>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                if (method is not ("post" or "put" or "patch") || operation?["requestBody"]?["content"]?["application/json"] is not { } json)
                {
                    continue;
                }

                var concrete = Concrete(path);
                foreach (var (name, body) in Bodies(Properties(json["schema"], schemas)))
                {
                    cases.Add((method.ToUpperInvariant(), concrete, name, body));
                }
            }
        }

        cases.Count.ShouldBeGreaterThan(100, "the sweep found the JSON routes");
        var before = await CountsAsync();
        var failures = new List<string>();
        foreach (var (method, path, name, body) in cases)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            // Kestrel closes the connection after refusing an oversize body: never reuse it for the next case.
            request.Headers.ConnectionClose = name == "oversize";
            HttpResponseMessage response;
            try
            {
                response = await server.Client.SendAsync(request);
            }
            catch (HttpRequestException) when (name == "oversize")
            {
                // Kestrel answers 413 at the body limit and closes the connection while the client is still sending.
                continue;
            }
            catch (HttpRequestException ex)
            {
                failures.Add($"{method} {path} [{name}] → {ex.GetType().Name}: {ex.Message}");
                continue;
            }

            using var _ = response;
            var status = (int)response.StatusCode;
            var type = response.Content.Headers.ContentType?.MediaType;
            if (status is < 400 or >= 500 || (status != 404 && status != 405 && type != "application/problem+json"))
            {
                failures.Add($"{method} {path} [{name}] → {status} {type}: {Shorten(await response.Content.ReadAsStringAsync())}");
            }
        }

        var after = await CountsAsync();
        var changed = before.Keys.Union(after.Keys).Where(t => !Ambient.Contains(t) && before.GetValueOrDefault(t) != after.GetValueOrDefault(t))
            .Select(t => $"{t}: {before.GetValueOrDefault(t)} → {after.GetValueOrDefault(t)}").ToList();
        var summary = $"bad-input sweep: {cases.Count} cases over {cases.Select(c => c.Method + " " + c.Path).Distinct().Count()} JSON routes; "
            + $"{failures.Count} not a 4xx problem; {changed.Count} tables changed";
        output.WriteLine(summary);
        if (Environment.GetEnvironmentVariable("HERALD_TEST_REPORTS") is { Length: > 0 } reports)
        {
            // scripts/test prints the reports after the run: the sweep's count is visible in every CI log.
            Directory.CreateDirectory(reports);
            await File.WriteAllTextAsync(Path.Combine(reports, "bad-input-sweep.txt"), summary + Environment.NewLine);
        }
        failures.ShouldBeEmpty(summary);
        changed.ShouldBeEmpty(summary);
    }

    /// <summary>A path with its parameters filled: ids that exist nowhere (a 404 is a fine answer to a bad body too).</summary>
    private static string Concrete(string path) =>
        System.Text.RegularExpressions.Regex.Replace(path, "\\{[^}]+\\}", m => m.Value.Contains("version", StringComparison.Ordinal) ? "1" : "sweep-" + m.Value.Trim('{', '}'));

    /// <summary>The string and other properties the body's schema names (following one $ref), or none.</summary>
    private static List<string> Properties(JsonNode? schema, JsonObject? schemas)
    {
        if (schema?["$ref"]?.GetValue<string>() is { } reference && schemas?[reference.Split('/')[^1]] is { } resolved)
        {
            schema = resolved;
        }

        return schema?["properties"] is JsonObject properties ? [.. properties.Select(p => p.Key)] : [];
    }

    private static IEnumerable<(string Name, byte[] Body)> Bodies(List<string> properties)
    {
        static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
        yield return ("truncated", Utf8("{\"a\": "));
        yield return ("not json", Utf8("not json at all"));
        yield return ("empty", []);
        yield return ("array", Utf8("[]"));
        yield return ("string", Utf8("\"text\""));
        yield return ("number", Utf8("42"));
        yield return ("null", Utf8("null"));
        yield return ("deep nesting", Utf8("{\"x\": " + new string('[', 5_000) + new string(']', 5_000) + "}"));
        yield return ("invalid utf-8", [.. Utf8("{\"x\": \""), 0xC3, 0x28, 0xFF, .. Utf8("\"}")]);
        yield return ("oversize", Utf8("{\"x\": \"" + new string('a', 3 * 1024 * 1024) + "\"}"));
        foreach (var p in properties)
        {
            yield return ($"{p}: NUL", Utf8($"{{\"{p}\": \"a\\u0000b\"}}"));
            yield return ($"{p}: lone surrogate", Utf8($"{{\"{p}\": \"a\\ud800b\"}}"));
            yield return ($"{p}: NUL in a nested key", Utf8($"{{\"{p}\": {{\"k\\u0000\": 1}}}}"));
            yield return ($"{p}: duplicate key", Utf8($"{{\"{p}\": 1, \"{p}\": \"\\u0000\"}}"));
            yield return ($"{p}: out-of-range number", Utf8($"{{\"{p}\": 1e400}}"));
        }
    }

    private async Task<Dictionary<string, long>> CountsAsync()
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var c = new SqliteConnection($"Data Source={server.DatabasePath};Mode=ReadOnly;Pooling=False");
        await c.OpenAsync();
        var tables = new List<string>();
        await using (var list = c.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
            await using var r = await list.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                tables.Add(r.GetString(0));
            }
        }

        foreach (var t in tables)
        {
            await using var count = c.CreateCommand();
            count.CommandText = $"SELECT count(*) FROM \"{t}\"";
            counts[t] = Convert.ToInt64(await count.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }

        return counts;
    }

    private static string Shorten(string s) => s.Length <= 300 ? s : s[..300] + "…";
}
