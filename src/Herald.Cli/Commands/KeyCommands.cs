using System.CommandLine;
using System.Text.Json.Nodes;
using Herald.Client;
using Spectre.Console;

namespace Herald.Cli.Commands;

/// <summary><c>herald keys create|list|revoke|rotate</c>: API keys (an admin key). A secret is printed once, when made.</summary>
internal static class KeyCommands
{
    public static Command Build(Runner run) => new("keys", "API keys: create, list, revoke, rotate (needs an admin key).") { Create(run), List(run), Revoke(run), Rotate(run) };

    private static Command Create(Runner run)
    {
        var name = new Option<string>("--name", "-n") { Description = "What the key is for (shown in lists)", Required = true };
        var scopes = new Option<string[]>("--scope", "-s")
        {
            Description = "A scope (repeat): notifications:send, notifications:read, content:read, users:write, templates:write, admin",
            Required = true, AllowMultipleArgumentsPerToken = true,
        };
        var expires = new Option<DateTimeOffset?>("--expires") { Description = "When the key stops working (RFC 3339)" };
        var environment = new Option<string?>("--environment", "-e") { Description = "The environment the key reaches (an id, env_…; default: the calling key's)" };
        var command = new Command("create", "Create an API key; its secret is printed once.") { name, scopes, expires, environment };
        command.SetAction(run(async (c, p, ct) =>
        {
            // Scopes go as given: the server names an unknown one in its problem.
            var request = new CreateApiKeyRequest(p.GetValue(name)!, p.GetValue(scopes)!)
            {
                ExpiresAt = p.GetValue(expires),
                Environment = p.GetValue(environment),
            };
            return Secret(c, await c.Herald.CreateApiKeyAsync(request, ct));
        }));
        return command;
    }

    private static Command List(Runner run)
    {
        var command = new Command("list", "List API keys (never their secrets).");
        command.SetAction(run(async (c, p, ct) =>
        {
            var keys = CliJson.Array(await c.Herald.ListApiKeysAsync(ct));
            if (c.Json)
            {
                c.WriteJson(new JsonObject { ["keys"] = keys });
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("id", "name", "environment", "prefix", "scopes", "created", "last used", "expires", "revoked");
            foreach (var k in keys)
            {
                var scopes = string.Join(' ', k!["scopes"]!.AsArray().Select(s => s!.GetValue<string>()));
                table.AddRow([.. new[] { Text(k, "id"), Text(k, "name"), Text(k, "environment"), Text(k, "prefix"), scopes, Text(k, "created_at"), Text(k, "last_used_at"), Text(k, "expires_at"), Text(k, "revoked_at") }
                    .Select(Markup.Escape)]);
            }

            c.Console.Write(table);
            c.Console.WriteLine($"{keys.Count} key(s)");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Revoke(Runner run)
    {
        var id = new Argument<string>("key-id") { Description = "The key to revoke (key_…)" };
        var command = new Command("revoke", "Revoke an API key: every Herald process refuses it within a second.") { id };
        command.SetAction(run(async (c, p, ct) =>
        {
            var key = CliJson.Node(await c.Herald.RevokeApiKeyAsync(p.GetValue(id)!, ct));
            if (c.Json)
            {
                c.WriteJson(key);
            }
            else
            {
                c.Console.WriteLine($"revoked {Text(key, "id")} ({Text(key, "name")}) at {Text(key, "revoked_at")}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Rotate(Runner run)
    {
        var id = new Argument<string>("key-id") { Description = "The key to rotate (key_…)" };
        var overlap = new Option<int?>("--overlap") { Description = "Seconds the old secret keeps working (1-604800; default 86400)" };
        var command = new Command("rotate", "Give an API key a new secret; the old one works for the overlap.") { id, overlap };
        command.SetAction(run(async (c, p, ct) =>
        {
            return Secret(c, await c.Herald.RotateApiKeyAsync(p.GetValue(id)!, p.GetValue(overlap), ct));
        }));
        return command;
    }

    /// <summary>Prints a made or rotated key: the secret on its own line, so a script can take it.</summary>
    private static int Secret(CliContext c, ApiKeySecret answer)
    {
        if (c.Json)
        {
            c.WriteJson(CliJson.Node(answer));
            return ExitCodes.Ok;
        }

        c.Environment.Out.WriteLine(answer.Secret);
        c.Environment.Error.WriteLine($"key {answer.Key.Id} ({answer.Key.Name}): the secret above is shown once; store it now");
        return ExitCodes.Ok;
    }

    private static string Text(JsonNode? node, string name) => node?[name]?.ToString() ?? "";
}
