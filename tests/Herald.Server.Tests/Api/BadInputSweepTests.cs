using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Herald.Server.Tests.Api;

/// <summary>
/// The bad-input sweep, on SQLite and on PostgreSQL, with private webhook networks refused (the production default). Four parts:
/// <list type="number">
/// <item>every route of the OpenAPI document that takes a JSON body × the classes that are invalid wherever they appear
/// (malformed and truncated JSON, wrong top-level types, deep nesting, a NUL or a lone surrogate or invalid UTF-8 in each
/// property, duplicate keys, an out-of-range number, an oversize body);</item>
/// <item>every field whose name and type in the OpenAPI document say what it holds × the values wrong for that kind
/// (<see cref="BadInputClasses"/>: invalid E.164 numbers, invalid and header-injecting emails, SSRF webhook URLs in every
/// encoding with userinfo tricks and other schemes, ids with line breaks or over 255 characters, malformed and far past or
/// future times, overflowing durations, out-of-range numbers, line breaks in an email subject, templates that cannot
/// compile, ids in the path), each put into a body that is otherwise valid, so the value itself is what is refused;</item>
/// <item>every GET route with query parameters × bad values (wrong types, huge and negative numbers, invalid cursors and
/// UTF-8, far times, duplicates): a 4xx problem or a clean 200 (an ignorable parameter), never a 5xx;</item>
/// <item>Handlebars syntax as data renders as text.</item>
/// </list>
/// Each refusal must be a 4xx RFC 9457 problem, never a 5xx, and every table's row count must be unchanged afterwards. A
/// control test sends each valid body as it is and expects it accepted, so no case passes for a reason other than its value.
/// Each part writes its counts and duration to HERALD_TEST_REPORTS, which scripts/test prints. Slow bodies and headers are
/// <c>Hosting/SlowRequestTests</c>; oversize batches <c>BatchExpansionTests</c>.
/// </summary>
public abstract class BadInputSweepTests(SweepFixture server, ITestOutputHelper output)
{
    [Fact]
    public async Task EveryJsonRoute_EveryInvalidInputClass_A4xxProblemAndNothingStored()
    {
        var document = await server.Client.GetJsonAsync("/openapi/v1.json");
        var schemas = document["components"]?["schemas"]?.AsObject();
        var cases = new List<Case>();
        foreach (var (method, path, schema) in JsonRoutes(document))
        {
            foreach (var (name, body) in GenericBodies(Properties(schema, schemas)))
            {
                cases.Add(new Case(method, Concrete(path), name, body));
            }
        }

        cases.Count.ShouldBeGreaterThan(100, "the sweep found the JSON routes");
        await RunAsync("generic", cases, readOnly: false);
    }

    [Fact]
    public async Task EveryFieldClass_ValidBodyWithOneBadValue_A4xxProblemAndNothingStored()
    {
        var document = await server.Client.GetJsonAsync("/openapi/v1.json");
        var schemas = document["components"]?["schemas"]?.AsObject();
        var now = TimeProvider.System.GetUtcNow();
        var cases = new List<Case>();
        var uncovered = new List<string>();
        foreach (var (method, path, schema) in JsonRoutes(document))
        {
            var route = $"{method} {path}";
            var fields = new List<(string[] Path, string Name, bool Number, bool Integer)>();
            Fields(schema, schemas, [], fields, depth: 0);
            foreach (var (fieldPath, name, number, integer) in fields)
            {
                foreach (var (kind, value) in BadInputClasses.For(name, number, integer))
                {
                    if (BadInputClasses.ValidBody(route, "bad", now) is not { } body)
                    {
                        uncovered.Add($"{route}: '{string.Join('.', fieldPath)}' takes {kind} values but the sweep has no valid body for the route");
                        break;
                    }

                    if (!TrySet(body, fieldPath, value))
                    {
                        uncovered.Add($"{route}: the valid body has no place for '{string.Join('.', fieldPath)}'");
                        break;
                    }

                    cases.Add(new Case(method, Concrete(path), $"{string.Join('.', fieldPath)} ({kind}): {Show(value)}", Encoding.UTF8.GetBytes(body.ToJsonString())));
                }
            }

            // Ids in the path: decoded by the router, so a line break reaches the endpoint (and any header it writes back).
            if (path.Contains("{user_id}", StringComparison.Ordinal) && BadInputClasses.ValidBody(route, "bad", now) is { } pathBody)
            {
                foreach (var id in BadInputClasses.Ids.Where(i => i.Trim().Length > 0))
                {
                    cases.Add(new Case(method, Concrete(path).Replace(BadInputClasses.User, Uri.EscapeDataString(id), StringComparison.Ordinal), $"user_id in the path (id): {Show(id)}",
                        Encoding.UTF8.GetBytes(pathBody.ToJsonString())));
                }
            }
        }

        foreach (var (route, partPath, kind, values) in BadInputClasses.TemplateParts())
        {
            var (method, path) = (route[..route.IndexOf(' ', StringComparison.Ordinal)], route[(route.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
            foreach (var value in values)
            {
                var body = BadInputClasses.ValidBody(route, "bad", now)!;
                TrySet(body, partPath, value).ShouldBeTrue(route + " " + string.Join('.', partPath));
                cases.Add(new Case(method, Concrete(path), $"{string.Join('.', partPath)} ({kind}): {Show(value)}", Encoding.UTF8.GetBytes(body.ToJsonString())));
            }
        }

        uncovered.ShouldBeEmpty("every field a class fits is swept in a valid body");
        cases.Select(c => c.Name[(c.Name.IndexOf('(', StringComparison.Ordinal) + 1)..c.Name.IndexOf(')', StringComparison.Ordinal)]).Distinct()
            .ShouldBe(["id", "time", "duration", "number", "E.164", "email", "SSRF url", "header break", "broken template"], ignoreOrder: true);
        await RunAsync("fields", cases, readOnly: false);
    }

    [Fact]
    public async Task ValidBodies_AsGiven_Accepted()
    {
        // The control of the field sweep: each body it corrupts is accepted as it is (so each refusal there is the value's).
        var document = await server.Client.GetJsonAsync("/openapi/v1.json");
        var now = TimeProvider.System.GetUtcNow();
        var sent = 0;
        var routes = JsonRoutes(document).ToList();
        foreach (var (method, path, _) in routes)
        {
            if (BadInputClasses.ValidBody($"{method} {path}", Guid.NewGuid().ToString("N"), now) is not { } body)
            {
                continue;
            }

            using var response = await server.Client.SendJsonAsync(new HttpMethod(method), Concrete(path), body.ToJsonString());
            ((int)response.StatusCode).ShouldBeInRange(200, 299, $"{method} {path}: {await response.Content.ReadAsStringAsync()}");
            sent++;
        }

        sent.ShouldBe(routes.Count, "every JSON route has a valid body, so new fields of any route are swept in one");
    }

    [Fact]
    public async Task EveryQueryRoute_BadParameterValues_A4xxProblemOrA200AndNothingStored()
    {
        var document = await server.Client.GetJsonAsync("/openapi/v1.json");
        var cases = new List<Case>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            if (item?["get"]?["parameters"] is not JsonArray parameters)
            {
                continue;
            }

            var names = parameters.Where(p => p?["in"]?.GetValue<string>() == "query").Select(p => p!["name"]!.GetValue<string>()).ToList();
            foreach (var name in names)
            {
                foreach (var value in QueryValues(name))
                {
                    cases.Add(new Case("GET", $"{Concrete(path)}?{name}={value}", $"{name}={Shorten(value, 40)}", []));
                }

                cases.Add(new Case("GET", $"{Concrete(path)}?{name}=1&{name}=2", $"{name} twice", []));
            }
        }

        cases.Count.ShouldBeGreaterThan(100, "the sweep found the query parameters");
        await RunAsync("query", cases, readOnly: true);
    }

    [Fact]
    public async Task Preview_HandlebarsSyntaxInData_RenderedAsText()
    {
        foreach (var text in BadInputClasses.HandlebarsData)
        {
            using var response = await server.Client.PostJsonAsync($"/api/v1/templates/{BadInputClasses.Template}/preview",
                new JsonObject { ["version"] = 1, ["data"] = new JsonObject { ["name"] = text } });
            var json = await response.ShouldHaveStatusAsync(200);
            json["channels"]!["in_app"]!["title"]!.GetValue<string>().ShouldBe("Hi " + text);
            json["channels"]!["email"]!["subject"]!.GetValue<string>().ShouldBe("Subject " + text);
        }
    }

    private sealed record Case(string Method, string Path, string Name, byte[] Body);

    private async Task RunAsync(string part, List<Case> cases, bool readOnly)
    {
        var clock = Stopwatch.StartNew();
        var before = await server.CountsAsync();
        var failures = new List<string>();
        foreach (var c in cases)
        {
            using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path);
            if (c.Method != "GET")
            {
                request.Content = new ByteArrayContent(c.Body);
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            }

            // Kestrel closes the connection after refusing an oversize body: never reuse it for the next case.
            request.Headers.ConnectionClose = c.Name == "oversize";
            HttpResponseMessage response;
            try
            {
                response = await server.Client.SendAsync(request);
            }
            catch (HttpRequestException) when (c.Name == "oversize")
            {
                // Kestrel answers 413 at the body limit and closes the connection while the client is still sending.
                continue;
            }
            catch (HttpRequestException ex)
            {
                failures.Add($"{c.Method} {c.Path} [{c.Name}] → {ex.GetType().Name}: {ex.Message}");
                continue;
            }

            using var _ = response;
            var status = (int)response.StatusCode;
            var type = response.Content.Headers.ContentType?.MediaType;
            var refused = status is >= 400 and < 500 && (status is 404 or 405 || type == "application/problem+json");
            var ignored = readOnly && status == 200 && type == "application/json";
            if (!refused && !ignored)
            {
                failures.Add($"{c.Method} {Shorten(c.Path, 120)} [{c.Name}] → {status} {type}: {Shorten(await response.Content.ReadAsStringAsync(), 300)}");
            }
        }

        var after = await server.CountsAsync();
        var changed = before.Keys.Union(after.Keys).Where(t => !server.Ambient.Contains(t) && before.GetValueOrDefault(t) != after.GetValueOrDefault(t))
            .Select(t => $"{t}: {before.GetValueOrDefault(t)} → {after.GetValueOrDefault(t)}").ToList();
        var summary = $"bad-input sweep ({server.Engine}, {part}): {cases.Count} cases over {cases.Select(c => c.Method + " " + c.Path.Split('?')[0]).Distinct().Count()} routes "
            + $"in {clock.Elapsed.TotalSeconds:0.0} s; {failures.Count} not a 4xx problem{(readOnly ? " or a 200" : "")}; {changed.Count} tables changed";
        output.WriteLine(summary);
        foreach (var line in failures.Concat(changed))
        {
            output.WriteLine(line);
        }

        if (Environment.GetEnvironmentVariable("HERALD_TEST_REPORTS") is { Length: > 0 } reports)
        {
            // scripts/test prints the reports after the run: the sweep's counts are visible in every CI log.
            Directory.CreateDirectory(reports);
            await File.WriteAllTextAsync(Path.Combine(reports, $"bad-input-sweep-{server.Engine}-{part}.txt"), summary + Environment.NewLine);
        }

        failures.ShouldBeEmpty(summary);
        changed.ShouldBeEmpty(summary);
    }

    private static IEnumerable<(string Method, string Path, JsonNode? Schema)> JsonRoutes(JsonNode document)
    {
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                if (method is ("post" or "put" or "patch") && operation?["requestBody"]?["content"]?["application/json"] is { } json)
                {
                    yield return (method.ToUpperInvariant(), path, json["schema"]);
                }
            }
        }
    }

    /// <summary>
    /// A path with its parameters filled: the fixture's user, template, event type, campaign and webhook endpoint, so valid
    /// bodies are accepted; an API key too; other ids exist nowhere (a 404 is a fine answer to a bad body too).
    /// </summary>
    private string Concrete(string path) =>
        System.Text.RegularExpressions.Regex.Replace(path, "\\{[^}]+\\}", m => m.Value switch
        {
            "{user_id}" => BadInputClasses.User,
            "{template_id}" or "{event_type}" or "{key}" => BadInputClasses.Template,
            "{id}" when path.StartsWith("/api/v1/campaigns", StringComparison.Ordinal) => server.CampaignId,
            "{id}" when path.StartsWith("/api/v1/webhook-endpoints", StringComparison.Ordinal) => server.EndpointId,
            "{id}" when path.StartsWith("/api/v1/keys", StringComparison.Ordinal) => server.KeyId,
            _ when m.Value.Contains("version", StringComparison.Ordinal) => "1",
            _ => "sweep-" + m.Value.Trim('{', '}'),
        });

    private static JsonObject? Resolve(JsonNode? schema, JsonObject? schemas) =>
        (schema?["$ref"]?.GetValue<string>() is { } reference ? schemas?[reference.Split('/')[^1]] : schema) as JsonObject;

    /// <summary>The top-level properties the body's schema names (following one $ref), or none.</summary>
    private static List<string> Properties(JsonNode? schema, JsonObject? schemas) =>
        Resolve(schema, schemas)?["properties"] is JsonObject properties ? [.. properties.Select(p => p.Key)] : [];

    /// <summary>Every property of the schema with its path ("[]" for an array's items), name and whether it is a number.</summary>
    private static void Fields(JsonNode? schema, JsonObject? schemas, string[] path, List<(string[] Path, string Name, bool Number, bool Integer)> fields, int depth)
    {
        if (depth > 4 || Resolve(schema, schemas) is not { } s)
        {
            return;
        }

        if (s["properties"] is JsonObject properties)
        {
            foreach (var (name, property) in properties)
            {
                var types = Resolve(property, schemas)?["type"] switch
                {
                    JsonArray a => a.Select(t => t?.GetValue<string>()).ToList(),
                    JsonValue v => [v.GetValue<string>()],
                    _ => [],
                };
                var isArrayOfIds = types.Contains("array") && BadInputClasses.For(name, number: false).Any();
                fields.Add(([.. path, name, .. isArrayOfIds ? new[] { "[]" } : []], name, types.Contains("integer") || types.Contains("number"), types.Contains("integer")));
                if (!isArrayOfIds)
                {
                    Fields(property, schemas, [.. path, name], fields, depth + 1);
                }
            }
        }

        if (s["items"] is { } items)
        {
            Fields(items, schemas, [.. path, "[]"], fields, depth + 1);
        }

        foreach (var alternative in (s["anyOf"] as JsonArray ?? []).Concat(s["oneOf"] as JsonArray ?? []))
        {
            Fields(alternative, schemas, path, fields, depth + 1);
        }
    }

    /// <summary>Puts <paramref name="value"/> at <paramref name="path"/> ("[]": the array's first item); false when a parent is missing.</summary>
    private static bool TrySet(JsonNode body, string[] path, JsonNode? value)
    {
        var node = body;
        for (var i = 0; i < path.Length - 1; i++)
        {
            node = path[i] == "[]" ? (node as JsonArray)?.FirstOrDefault() : (node as JsonObject)?[path[i]];
            if (node is null)
            {
                return false;
            }
        }

        switch (path[^1], node)
        {
            case ("[]", JsonArray array) when array.Count > 0:
                array[0] = value?.DeepClone();
                return true;
            case (var name, JsonObject obj) when name != "[]":
                obj[name] = value?.DeepClone();
                return true;
            default:
                return false;
        }
    }

    private static IEnumerable<(string Name, byte[] Body)> GenericBodies(List<string> properties)
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

    /// <summary>Query values wrong for a parameter of that name, already URL-encoded.</summary>
    private static IEnumerable<string> QueryValues(string name)
    {
        string[] common = ["", "%00", "%E0%A4", "%ED%A0%80", "%0D%0A", new string('x', 4000), "-1", "abc", "%7B%7B%23each%7D%7D"];
        string[] numbers = ["0", "99999999999999999999", "2147483648", "1.5", "1e400", "NaN", "0x10"];
        string[] cursors = ["zzzz", "99999999999999999999", "eyJ4IjoxfQ%3D%3D", "%2F..%2F..", "%27%3B--", "1%20OR%201%3D1"];
        string[] times = ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-13-01T00:00:00Z", "2026-01-01T00:00:00%2B25:00", "1700000000"];
        return common.Concat(name switch
        {
            "limit" => numbers,
            "cursor" => cursors.Concat(numbers),
            "from" or "to" => times,
            _ => numbers.Take(2),
        });
    }

    private static string Show(JsonNode? value) =>
        Shorten(string.Concat((value?.ToJsonString() ?? "null").Select(c => c < 0x20 ? $"\\u{(int)c:x4}" : c.ToString())), 60);

    private static string Shorten(string s, int length) => s.Length <= length ? s : s[..length] + "…";
}

public sealed class SqliteBadInputSweepTests(SqliteSweepFixture server, ITestOutputHelper output)
    : BadInputSweepTests(server, output), IClassFixture<SqliteSweepFixture>;

public sealed class PostgresBadInputSweepTests(PostgresSweepFixture server, ITestOutputHelper output)
    : BadInputSweepTests(server, output), IClassFixture<PostgresSweepFixture>;
