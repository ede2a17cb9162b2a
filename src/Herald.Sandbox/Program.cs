using Herald.Sandbox.Core;

await using var sandbox = await SandboxHost.StartAsync(args);
Console.WriteLine($"Herald provider sandbox: {sandbox.BaseUrl} (HTTP/1.1), {sandbox.Http2BaseUrl} (HTTP/2 cleartext, APNs)");
await sandbox.WaitForShutdownAsync();
