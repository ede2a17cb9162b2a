using System.Reflection;

namespace Herald.Server.Hosting;

/// <summary>
/// The version this server was built as: MinVer's, from the nearest <c>v*</c> git tag (see Directory.Build.props). Shown by
/// <c>herald-server --version</c> and in the <c>/healthz</c> and <c>/readyz</c> answers, so a rolling deploy can see which
/// version each process runs.
/// </summary>
internal static class HeraldVersion
{
    public static string Current { get; } =
        typeof(HeraldVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>True when the command line asks for the version only (<c>--version</c>): print it and start nothing.</summary>
    public static bool Requested(string[] args) => args is ["--version"];
}
