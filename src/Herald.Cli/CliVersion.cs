using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;

namespace Herald.Cli;

/// <summary>
/// <c>herald --version</c>: this tool's own version (MinVer's, from git tags), read from this assembly rather than from the
/// entry assembly as System.CommandLine does, so the answer is the same in process (tests, hosts) as from the shell.
/// </summary>
internal sealed class CliVersion(TextWriter output) : SynchronousCommandLineAction
{
    public static string Current { get; } =
        typeof(CliVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static void Use(RootCommand root, TextWriter output)
    {
        foreach (var option in root.Options.OfType<VersionOption>())
        {
            option.Action = new CliVersion(output);
        }
    }

    public override int Invoke(ParseResult parseResult)
    {
        output.WriteLine(Current);
        return ExitCodes.Ok;
    }
}
