namespace Herald.Cli;

/// <summary>What the process exit code means (README, "CLI").</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The server answered with a problem (4xx or 5xx); its problem details were printed.</summary>
    public const int Refused = 1;

    /// <summary>The command line or an input file is wrong; nothing was sent.</summary>
    public const int Usage = 2;

    /// <summary>The server could not be reached (connection refused, DNS, timeout).</summary>
    public const int Unreachable = 3;

    /// <summary>health: the server answered but is not ready.</summary>
    public const int NotReady = 4;

    /// <summary>A bulk command (dlq replay --all, users import, templates push) finished with some items failed.</summary>
    public const int Partial = 5;

    /// <summary>Cancelled with Ctrl+C.</summary>
    public const int Cancelled = 130;
}
