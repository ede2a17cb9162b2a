namespace Herald.Server.Tests.Resilience;

/// <summary>
/// The resilience tests run server child processes and time-sensitive assertions, so they run one at a time and
/// after the parallel tests, not competing with them for the CPU.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ResilienceGroup
{
    public const string Name = "Resilience";
}
