using System.CommandLine;
using System.Text.Json;
using System.Net;
using System.Text.Json.Nodes;
using Herald.Client;
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
            foreach (var t in await c.Herald.ListTemplatesAsync(ct))
            {
                var id = t.TemplateId;
                var latest = Latest(await c.Herald.GetTemplateAsync(id, ct))!;
                var definition = latest.Definition ?? [];
                var file = new JsonObject
                {
                    ["template_id"] = id,
                    ["description"] = latest.Description,
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
                written.Add(new JsonObject { ["template_id"] = id, ["version"] = latest.Version, ["status"] = latest.Status, ["file"] = path });
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
            // Every file is read and checked before anything is sent: a broken file stops the push with nothing half done.
            var files = new List<(string Path, JsonObject Body, CreateTemplateRequest Request)>();
            foreach (var path in Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal))
            {
                var body = await ReadAsync(path, ct);
                body["template_id"] ??= Path.GetFileNameWithoutExtension(path);
                files.Add((path, body, Request(path, body)));
            }

            await c.WithProgressAsync("pushing templates", files.Count, async step =>
            {
                foreach (var (path, body, request) in files)
                {
                    var result = new JsonObject { ["file"] = path };
                    try
                    {
                        await PushOneAsync(c, body, request, publish: !p.GetValue(draft), result, ct);
                    }
                    catch (HeraldApiException ex)
                    {
                        failed++;
                        result["result"] = "failed";
                        result["status"] = (int)ex.StatusCode;
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

    private static async Task PushOneAsync(CliContext c, JsonObject file, CreateTemplateRequest request, bool publish, JsonObject result, CancellationToken ct)
    {
        var id = request.TemplateId;
        result["template_id"] = id;
        TemplateVersion? latest = null;
        try
        {
            latest = Latest(await c.Herald.GetTemplateAsync(id, ct));
        }
        catch (HeraldApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            // A new template.
        }

        if (latest is not null && JsonNode.DeepEquals(Definition(file), Definition(latest.Definition ?? [])))
        {
            if (latest.Status == "published" || !publish)
            {
                result["result"] = "unchanged";
                result["version"] = latest.Version;
                return;
            }

            await c.Herald.PublishTemplateVersionAsync(id, latest.Version, ct);
            result["result"] = "published";
            result["version"] = latest.Version;
            return;
        }

        var created = await c.Herald.CreateTemplateAsync(request, ct);
        if (publish)
        {
            await c.Herald.PublishTemplateVersionAsync(id, created.Version, ct);
        }

        result["result"] = latest is null ? "created" : "updated";
        result["version"] = created.Version;
    }

    /// <summary>A file as the create request: the same names as POST /api/v1/templates; a file whose fields have the wrong shape is a usage error.</summary>
    private static CreateTemplateRequest Request(string path, JsonObject file)
    {
        try
        {
            var request = CliJson.Read<CreateTemplateRequest>(file) ?? throw new UsageException($"{path}: not a JSON object");

            // "layout": null chooses no layout, unlike a file without one (the default layout); reading drops the difference.
            return file.TryGetPropertyValue("layout", out var layout) && layout is null ? request with { Layout = JsonDocument.Parse("null").RootElement } : request;
        }
        catch (JsonException ex)
        {
            throw new UsageException($"{path}: not a template ({ex.Message})");
        }
    }

    /// <summary>What the server compares: variables, channels, locales and dedup (absent and null are the same).</summary>
    private static JsonObject Definition(JsonObject o) => new()
    {
        ["variables"] = o["variables"]?.DeepClone() ?? new JsonArray(),
        ["channels"] = o["channels"]?.DeepClone(),
        ["locales"] = o["locales"]?.DeepClone(),
        ["dedup"] = o["dedup"]?.DeepClone(),
    };

    private static TemplateVersion? Latest(Template detail) => detail.Versions.LastOrDefault(v => v.Version == detail.LatestVersion);

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
