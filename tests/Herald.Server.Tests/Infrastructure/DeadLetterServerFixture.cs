namespace Herald.Server.Tests.Infrastructure;

/// <summary>A server whose webhook retry schedule is one 100 ms retry, so a failing delivery goes dead within a second.</summary>
public sealed class DeadLetterServerFixture : HeraldServerFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Herald:Webhooks:RetrySchedule"] = "100ms",
    };
}
