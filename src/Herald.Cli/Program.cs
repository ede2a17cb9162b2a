using Herald.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // Ctrl+C ends a tail or a bulk command cleanly (exit 130), not by killing the process mid-request.
    e.Cancel = true;
    cancel.Cancel();
};

return await Cli.RunAsync(args, new CliEnvironment(Console.Out, Console.Error, Environment.GetEnvironmentVariable, Directory.GetCurrentDirectory()), cancel.Token);
