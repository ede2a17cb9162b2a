using System.CommandLine;
using System.Text.Json.Nodes;
using Herald.Cli.Commands;
using Herald.Client;
using Spectre.Console;

namespace Herald.Cli;

/// <summary>A command's work, given the context built from the global options.</summary>
internal delegate Task<int> CommandAction(CliContext context, ParseResult parse, CancellationToken ct);

/// <summary>Wraps a command's work with the global options and the error handling every command shares.</summary>
internal delegate Func<ParseResult, CancellationToken, Task<int>> Runner(CommandAction action);

/// <summary>
/// <c>herald</c>: send, status, tail, dlq, templates, users, health, keys and audit against a Herald server, configured by
/// <c>HERALD_URL</c> and <c>HERALD_API_KEY</c> or <c>--url</c> and <c>--api-key</c>. Errors print the server's problem
/// details; exit codes are in <see cref="ExitCodes"/>.
/// </summary>
internal static class Cli
{
    public static async Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken ct)
    {
        var url = new Option<string?>("--url") { Description = "Herald's base URL (default: $HERALD_URL, else http://localhost:8080)", Recursive = true };
        var apiKey = new Option<string?>("--api-key") { Description = "API key (default: $HERALD_API_KEY)", Recursive = true };
        var json = new Option<bool>("--json") { Description = "Machine-readable JSON on stdout", Recursive = true };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for each answer", DefaultValueFactory = _ => 30, Recursive = true };
        var root = new RootCommand("Herald from the command line: send, inspect and operate a Herald server.");
        root.Options.Add(url);
        root.Options.Add(apiKey);
        root.Options.Add(json);
        root.Options.Add(timeout);
        CliVersion.Use(root, environment.Out);

        // Each command's action receives a context built from the global options of its parse result.
        Runner run = action => (parse, token) => ExecuteAsync(parse, environment, url, apiKey, json, timeout, action, token);
        root.Subcommands.Add(SendCommand.Build(run));
        root.Subcommands.Add(StatusCommand.Build(run));
        root.Subcommands.Add(TailCommand.Build(run));
        root.Subcommands.Add(DlqCommands.Build(run));
        root.Subcommands.Add(TemplateCommands.Build(run));
        root.Subcommands.Add(UserCommands.Build(run));
        root.Subcommands.Add(HealthCommand.Build(run));
        root.Subcommands.Add(KeyCommands.Build(run));
        root.Subcommands.Add(AuditCommand.Build(run));

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await environment.Error.WriteLineAsync($"error: {error.Message}");
            }

            await environment.Error.WriteLineAsync("Run 'herald --help' for usage.");
            return ExitCodes.Usage;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = environment.Out, Error = environment.Error }, ct);
    }

    private static async Task<int> ExecuteAsync(ParseResult parse, CliEnvironment environment, Option<string?> url, Option<string?> apiKey, Option<bool> json,
        Option<int> timeout, CommandAction action, CancellationToken ct)
    {
        var asJson = parse.GetValue(json);
        var server = parse.GetValue(url) ?? environment.Variable("HERALD_URL") ?? "http://localhost:8080";
        if (!Uri.TryCreate(server.EndsWith('/') ? server : server + "/", UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            await environment.Error.WriteLineAsync($"error: '{server}' is not an http or https URL (--url or HERALD_URL)");
            return ExitCodes.Usage;
        }

        var wait = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(timeout)));
#pragma warning disable RS0030 // One client for the life of a command-line process; IHttpClientFactory would add a container for nothing.
        using var http = new HttpClient { BaseAddress = baseUri, Timeout = wait };
#pragma warning restore RS0030
        var herald = new HeraldClient(http, new HeraldClientOptions { ApiKey = parse.GetValue(apiKey) ?? environment.Variable("HERALD_API_KEY") });
        var context = new CliContext(herald, baseUri, Console(environment.Out), environment, asJson);
        try
        {
            return await action(context, parse, ct);
        }
        catch (HeraldApiException ex)
        {
            await WriteProblemAsync(environment.Error, ex, asJson);
            return ExitCodes.Refused;
        }
        // No answer at all (refused, reset, DNS): an answer with a status is a HeraldApiException instead.
        catch (HttpRequestException ex) when (ex.StatusCode is null)
        {
            await environment.Error.WriteLineAsync($"error: cannot reach Herald at {baseUri}: {ex.Message}");
            return ExitCodes.Unreachable;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            // HttpClient's timeout: the server took the connection but did not answer in time.
            await environment.Error.WriteLineAsync($"error: cannot reach Herald at {baseUri}: no answer within {wait.TotalSeconds:0} s");
            return ExitCodes.Unreachable;
        }
        catch (UsageException ex)
        {
            await environment.Error.WriteLineAsync($"error: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return ExitCodes.Cancelled;
        }
    }

    /// <summary>The problem as the server sent it: status and title, the detail, the type, and each field error.</summary>
    public static async Task WriteProblemAsync(TextWriter error, HeraldApiException ex, bool json)
    {
        var status = (int)ex.StatusCode;
        if (json)
        {
            await error.WriteLineAsync((ex.Problem ?? new JsonObject { ["status"] = status, ["title"] = ex.Message }).ToJsonString());
            return;
        }

        await error.WriteLineAsync($"error: {status} {ex.Title ?? ex.Message}");
        if (ex.Detail is { } detail)
        {
            await error.WriteLineAsync($"  {detail}");
        }

        if (ex.Type is { } type)
        {
            await error.WriteLineAsync($"  type: {type}");
        }

        foreach (var (field, messages) in ex.Errors)
        {
            await error.WriteLineAsync($"  {field}: {string.Join("; ", messages)}");
        }
    }

    private static IAnsiConsole Console(TextWriter writer)
    {
        // A real terminal gets colours and progress bars; a pipe, a file or a test's writer gets plain text at a fixed width.
        var terminal = ReferenceEquals(writer, System.Console.Out) && !System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal)
        {
            console.Profile.Width = 320;
        }

        return console;
    }
}
