using System.CommandLine;
using System.Net;
using Herald.Client;
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
            Health health;
            try
            {
                health = await c.Herald.GetReadinessAsync(ct);
            }
            catch (HeraldApiException ex) when (ex.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                // Not Herald's answer (a proxy's 503 page while the server is down): not ready all the same.
                await Cli.WriteProblemAsync(c.Environment.Error, ex, c.Json);
                return ExitCodes.NotReady;
            }

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
