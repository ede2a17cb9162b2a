namespace Herald.Cli;

/// <summary>The command line or an input file is wrong; nothing was sent for it.</summary>
internal sealed class UsageException(string message) : Exception(message);
