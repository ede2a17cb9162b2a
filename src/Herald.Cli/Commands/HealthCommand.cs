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
            var health = await c.Herald.GetReadinessAsync(ct);
            if (c.Json)
            {
                c.WriteJson(CliJson.Node(health));
            }
            else
            {
                c.Console.WriteLine($"{c.Server}: {health.Status}");
                var table = new Table().AddColumns("check", "state");
                foreach (var (name, state) in health.Checks)
                {
                    table.AddRow(Markup.Escape(name), Markup.Escape(state));
                }

                c.Console.Write(table);
            }

            // The server answers 200 when ready or degraded (it still serves), 503 otherwise.
            return health.Status is "ready" or "degraded" ? ExitCodes.Ok : ExitCodes.NotReady;
        }));
        return command;
    }
}
