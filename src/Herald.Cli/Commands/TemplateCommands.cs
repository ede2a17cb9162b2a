using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Herald.Cli.Commands;

/// <summary>
/// Templates as files kept in git: <c>pull &lt;dir&gt;</c> writes one <c>&lt;template_id&gt;.json</c> per template (its latest
/// version, in the shape POST /api/v1/templates takes); <c>push &lt;dir&gt;</c> creates and publishes a new version from
/// each file whose definition differs from the server's latest, and publishes a matching draft.
/// </summary>
internal static class TemplateCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Build(Runner run) => new("templates", "Templates as files: pull and push.") { Pull(run), Push(run) };

    private static Command Pull(Runner run)
    {
        var dir = new Argument<string>("dir") { Description = "Folder to write <template_id>.json files into" };
        var command = new Command("pull", "Write every template's latest version to files.") { dir };
        command.SetAction(run(async (c, p, ct) =>
        {
            var folder = c.ResolvePath(p.GetValue(dir)!);
            Directory.CreateDirectory(folder);
            var written = new JsonArray();
            foreach (var t in (await c.Api.GetAsync("/api/v1/templates", ct))["templates"]?.AsArray() ?? [])
            {
                var id = t!["template_id"]!.GetValue<string>();
                var detail = await c.Api.GetAsync($"/api/v1/templates/{Uri.EscapeDataString(id)}", ct);
                var latest = Latest(detail)!;
                var definition = latest["definition"] as JsonObject ?? [];
                var file = new JsonObject
                {
                    ["template_id"] = id,
                    ["description"] = latest["description"]?.DeepClone(),
                    ["variables"] = definition["variables"]?.DeepClone() ?? new JsonArray(),
                    ["channels"] = definition["channels"]?.DeepClone(),
                    ["locales"] = definition["locales"]?.DeepClone(),
                };
                if (definition["dedup"] is { } dedup)
                {
                    file["dedup"] = dedup.DeepClone();
                }

                var path = Path.Combine(folder, id + ".json");
                await File.WriteAllTextAsync(path, file.ToJsonString(Indented) + "\n", ct);
                written.Add(new JsonObject { ["template_id"] = id, ["version"] = latest["version"]?.DeepClone(), ["status"] = latest["status"]?.DeepClone(), ["file"] = path });
            }

            Report(c, written, "pulled");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Push(Runner run)
    {
        var dir = new Argument<string>("dir") { Description = "Folder of <template_id>.json files" };
        var draft = new Option<bool>("--no-publish") { Description = "Create new versions as drafts" };
        var command = new Command("push", "Create (and publish) a new version for each changed file.") { dir, draft };
        command.SetAction(run(async (c, p, ct) =>
        {
            var folder = c.ResolvePath(p.GetValue(dir)!);
            if (!Directory.Exists(folder))
            {
                throw new UsageException($"no folder {folder}");
            }

            var results = new JsonArray();
            var failed = 0;
            // Every file is read before anything is sent: a broken file stops the push with nothing half done.
            var files = new List<(string Path, JsonObject Body)>();
            foreach (var path in Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal))
            {
                files.Add((path, await ReadAsync(path, ct)));
            }

            await c.WithProgressAsync("pushing templates", files.Count, async step =>
            {
                foreach (var (path, body) in files)
                {
                    var result = new JsonObject { ["file"] = path };
                    try
                    {
                        await PushOneAsync(c, path, body, publish: !p.GetValue(draft), result, ct);
                    }
                    catch (ProblemException ex)
                    {
                        failed++;
                        result["result"] = "failed";
                        result["status"] = ex.Status;
                        result["detail"] = ex.Message;
                        result["errors"] = ex.Problem?["errors"]?.DeepClone();
                    }

                    results.Add(result);
                    step();
                }
            });
            Report(c, results, "pushed");
            return failed == 0 ? ExitCodes.Ok : ExitCodes.Partial;
        }));
        return command;
    }

    private static async Task<JsonObject> ReadAsync(string path, CancellationToken ct)
    {
        try
        {
            return JsonNode.Parse(await File.ReadAllTextAsync(path, ct)) as JsonObject ?? throw new UsageException($"{path}: not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new UsageException($"{path}: not valid JSON ({ex.Message})");
        }
    }

    private static async Task PushOneAsync(CliContext c, string path, JsonObject file, bool publish, JsonObject result, CancellationToken ct)
    {
        var id = file["template_id"]?.GetValue<string>() ?? Path.GetFileNameWithoutExtension(path);
        file["template_id"] = id;
        result["template_id"] = id;
        JsonNode? latest = null;
        try
        {
            latest = Latest(await c.Api.GetAsync($"/api/v1/templates/{Uri.EscapeDataString(id)}", ct));
        }
        catch (ProblemException ex) when (ex.Status == 404)
        {
            // A new template.
        }

        if (latest is not null && JsonNode.DeepEquals(Definition(file), Definition(latest["definition"] as JsonObject ?? [])))
        {
            var published = latest["status"]?.GetValue<string>() == "published";
            if (published || !publish)
            {
                result["result"] = "unchanged";
                result["version"] = latest["version"]?.DeepClone();
                return;
            }

            await PublishAsync(c, id, latest["version"]!.GetValue<int>(), ct);
            result["result"] = "published";
            result["version"] = latest["version"]?.DeepClone();
            return;
        }

        var created = await c.Api.PostAsync("/api/v1/templates", file, ct);
        var version = created["version"]!.GetValue<int>();
        if (publish)
        {
            await PublishAsync(c, id, version, ct);
        }

        result["result"] = latest is null ? "created" : "updated";
        result["version"] = version;
    }

    private static Task<JsonNode> PublishAsync(CliContext c, string id, int version, CancellationToken ct) =>
        c.Api.PostAsync($"/api/v1/templates/{Uri.EscapeDataString(id)}/versions/{version}/publish", null, ct);

    /// <summary>What the server compares: variables, channels, locales and dedup (absent and null are the same).</summary>
    private static JsonObject Definition(JsonObject o) => new()
    {
        ["variables"] = o["variables"]?.DeepClone() ?? new JsonArray(),
        ["channels"] = o["channels"]?.DeepClone(),
        ["locales"] = o["locales"]?.DeepClone(),
        ["dedup"] = o["dedup"]?.DeepClone(),
    };

    private static JsonNode? Latest(JsonNode detail)
    {
        var latest = detail["latest_version"]?.GetValue<int>();
        return (detail["versions"]?.AsArray() ?? []).LastOrDefault(v => v!["version"]?.GetValue<int>() == latest);
    }

    private static void Report(CliContext c, JsonArray rows, string verb)
    {
        if (c.Json)
        {
            c.WriteJson(new JsonObject { ["templates"] = rows });
            return;
        }

        var table = new Table().AddColumns("template", "version", verb == "pulled" ? "status" : "result", "file");
        foreach (var r in rows)
        {
            table.AddRow(StatusCommand.Cells(r, "template_id", "version", verb == "pulled" ? "status" : "result", "file"));
            if (r!["detail"] is { } detail)
            {
                c.Environment.Error.WriteLine($"  {r["file"]}: {r["status"]} {detail}");
            }
        }

        c.Console.Write(table);
        c.Console.WriteLine($"{rows.Count} template(s) {verb}");
    }
}
