using Herald.Sandbox.Core;

namespace Herald.Sandbox;

/// <summary>The sandbox process: <c>dotnet run --project src/Herald.Sandbox</c>.</summary>
internal static class SandboxProgram
{
    public static async Task Main(string[] args)
    {
        await using var sandbox = await SandboxHost.StartAsync(args, localConfiguration: true);
        Console.WriteLine($"Herald provider sandbox: {sandbox.BaseUrl} (HTTP/1.1), {sandbox.Http2BaseUrl} (HTTP/2 cleartext, APNs)");
        await sandbox.WaitForShutdownAsync();
    }
}
