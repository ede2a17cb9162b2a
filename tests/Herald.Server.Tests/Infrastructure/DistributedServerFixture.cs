using Herald.Testing;
using Npgsql;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>
/// The distributed mode in one process: a fresh PostgreSQL database, RabbitMQ lanes under a prefix of the same name, all
/// roles; SMS goes through a routed capture provider (so provider spans and metrics exist).
/// </summary>
public class DistributedServerFixture : HeraldServerFixture
{
    /// <summary>Two partitions per lane (30 quorum queues, not 60): enough to route by recipient, and lighter on the shared broker.</summary>
    private const int Partitions = 2;

    private readonly string _connection = ExternalServices.NewDatabase("herald_distributed");

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Herald:Storage:Engine"] = "postgres",
        ["Herald:Storage:Postgres:ConnectionString"] = _connection,
        ["Herald:Transport:Engine"] = "rabbitmq",
        ["Herald:Transport:RabbitMq:Uri"] = ExternalServices.RabbitMqUri,
        ["Herald:Transport:RabbitMq:ExchangePrefix"] = new NpgsqlConnectionStringBuilder(_connection).Database,
        ["Herald:Transport:RabbitMq:Partitions"] = Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Herald:Providers:sms-capture:Type"] = "capture",
        ["Herald:Channels:sms:Providers"] = "sms-capture",
    };

    /// <summary>Stops the server, then deletes its queues, so the shared test broker does not fill up with them.</summary>
    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await RabbitMqCleanup.DeletePrefixAsync(ExternalServices.RabbitMqUri, new NpgsqlConnectionStringBuilder(_connection).Database!, Partitions);
    }
}

/// <summary>The distributed workflow test classes share one server (one set of queues) and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class DistributedGroup : ICollectionFixture<DistributedServerFixture>
{
    public const string Name = "distributed";
}
