using System.CommandLine;
using System.Text.Json.Nodes;
using Herald.Client;
using Spectre.Console;

namespace Herald.Cli.Commands;

/// <summary>
/// <c>herald users import users.csv</c>: one PUT /api/v1/users/{id} per row. The header names the columns: <c>user_id</c>
/// (or <c>id</c>, required), <c>email</c>, <c>phone</c>, <c>locale</c>, <c>timezone</c>; an empty cell is no value.
/// Rows the server refuses are reported with their line and reason; the others are imported.
/// </summary>
internal static class UserCommands
{
    public static Command Build(Runner run) => new("users", "Recipients: import profiles.") { Import(run) };

    private static Command Import(Runner run)
    {
        var file = new Argument<string>("csv") { Description = "CSV file with a header row" };
        var command = new Command("import", "Create or update users from a CSV file.") { file };
        command.SetAction(run(async (c, p, ct) =>
        {
            var path = c.ResolvePath(p.GetValue(file)!);
            if (!File.Exists(path))
            {
                throw new UsageException($"no file {path}");
            }

            List<(int Line, List<string> Fields)> records;
            using (var reader = new StreamReader(path))
            {
                records = [.. Csv.Read(reader).Where(r => r.Fields.Count > 1 || r.Fields[0].Length > 0)];
            }

            if (records.Count == 0)
            {
                throw new UsageException($"{path} is empty; expected a header such as user_id,email,phone,locale,timezone");
            }

            var header = records[0].Fields.Select(h => h.Trim().ToLowerInvariant()).ToList();
            var idColumn = header.FindIndex(h => h is "user_id" or "id");
            if (idColumn < 0)
            {
                throw new UsageException($"{path}: the header has no user_id column (found: {string.Join(", ", header)})");
            }

            var imported = 0;
            var failures = new JsonArray();
            var rows = records.Skip(1).ToList();
            await c.WithProgressAsync("importing users", rows.Count, async step =>
            {
                foreach (var (line, fields) in rows)
                {
                    if (Row(header, idColumn, line, fields, out var id, out var user) is { } bad)
                    {
                        failures.Add(bad);
                    }
                    else
                    {
                        try
                        {
                            await c.Herald.PutUserAsync(id, user, ct);
                            imported++;
                        }
                        catch (HeraldApiException ex)
                        {
                            failures.Add(new JsonObject { ["line"] = line, ["user_id"] = id, ["status"] = (int)ex.StatusCode, ["detail"] = ex.Message });
                        }
                    }

                    step();
                }
            });
            if (c.Json)
            {
                c.WriteJson(new JsonObject { ["imported"] = imported, ["failed"] = failures.Count, ["failures"] = failures });
            }
            else
            {
                c.Console.WriteLine($"imported {imported} user(s), {failures.Count} failed");
                foreach (var f in failures)
                {
                    c.Environment.Error.WriteLine($"  line {f!["line"]}{(f["user_id"] is { } u ? $" ({u})" : "")}: {f["detail"]}");
                }
            }

            return failures.Count == 0 ? ExitCodes.Ok : ExitCodes.Partial;
        }));
        return command;
    }

    private static JsonObject? Row(List<string> header, int idColumn, int line, List<string> fields, out string id, out UserRequest user)
    {
        id = idColumn < fields.Count ? fields[idColumn].Trim() : "";
        user = new UserRequest();
        if (fields.Count != header.Count)
        {
            return new JsonObject { ["line"] = line, ["detail"] = $"{fields.Count} fields, but the header has {header.Count}" };
        }

        if (id.Length == 0)
        {
            return new JsonObject { ["line"] = line, ["detail"] = "user_id is empty" };
        }

        string? Cell(string name) => header.IndexOf(name) is var at && at >= 0 && fields[at].Trim() is { Length: > 0 } value ? value : null;
        user = new UserRequest { Email = Cell("email"), Phone = Cell("phone"), Locale = Cell("locale"), Timezone = Cell("timezone") };
        return null;
    }
}
