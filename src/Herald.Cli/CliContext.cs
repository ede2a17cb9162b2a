using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Client;
using Spectre.Console;

namespace Herald.Cli;

/// <summary>Where the CLI writes and what it reads from its surroundings (the real console, or a test's writers).</summary>
internal sealed record CliEnvironment(TextWriter Out, TextWriter Error, Func<string, string?> Variable, string WorkingDirectory);

/// <summary>What every command gets: the client and the server it reaches, the console for human output, and whether to write JSON instead.</summary>
internal sealed class CliContext(HeraldClient herald, Uri server, IAnsiConsole console, CliEnvironment environment, bool json)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Herald.Client over the command's connection and key; its problems and connection failures are handled in <see cref="Cli"/>.</summary>
    public HeraldClient Herald { get; } = herald;

    public Uri Server { get; } = server;

    public IAnsiConsole Console { get; } = console;

    public CliEnvironment Environment { get; } = environment;

    /// <summary>--json: machine output on stdout, no tables, no progress bars.</summary>
    public bool Json { get; } = json;

    /// <summary>Progress bars only on an interactive terminal and not with --json (CI has no terminal).</summary>
    public bool ShowProgress => !Json && Console.Profile.Capabilities.Interactive;

    public void WriteJson(JsonNode node) => Environment.Out.WriteLine(node.ToJsonString(Indented));

    /// <summary>One JSON document per line (tail --json).</summary>
    public void WriteJsonLine(JsonNode node) => Environment.Out.WriteLine(node.ToJsonString());

    public string ResolvePath(string path) => Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(Environment.WorkingDirectory, path));

    /// <summary>Runs <paramref name="work"/> under a progress bar when there is a terminal, plainly otherwise.</summary>
    public async Task WithProgressAsync(string description, int total, Func<Action, Task> work)
    {
        if (!ShowProgress)
        {
            await work(() => { });
            return;
        }

        await Console.Progress().AutoClear(false).StartAsync(async progress =>
        {
            var task = progress.AddTask(Markup.Escape(description), maxValue: Math.Max(total, 1));
            await work(() => task.Increment(1));
        });
    }
}
