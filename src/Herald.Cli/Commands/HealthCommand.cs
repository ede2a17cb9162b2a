using System.CommandLine;
using Spectre.Console;

namespace Herald.Cli.Commands;

/// <summary><c>herald health</c>: /readyz; exit 0 when ready or degraded, 4 when not ready.</summary>
internal static class HealthCommand
{
    public static Command Build(Runner run)
    {
        var command = new Command("health", "Is the server ready? Store, transport, workers and providers.");
        command.SetAction(run(async (c, _, ct) =>
        {
            var (status, body) = await c.Api.GetWithStatusAsync("/readyz", ct);
            if (c.Json)
            {
                c.WriteJson(body);
            }
            else
            {
                c.Console.WriteLine($"{c.Api.Server}: {body["status"]}");
                var table = new Table().AddColumns("check", "state");
                foreach (var (name, state) in body["checks"]?.AsObject() ?? [])
                {
                    table.AddRow(Markup.Escape(name), Markup.Escape(state?.ToString() ?? ""));
                }

                c.Console.Write(table);
            }

            return status == 200 ? ExitCodes.Ok : ExitCodes.NotReady;
        }));
        return command;
    }
}
