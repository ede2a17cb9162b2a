using Herald.Testing;
using Npgsql;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>
/// The distributed mode in one process: a fresh PostgreSQL database, RabbitMQ lanes under a prefix of the same name, all
/// roles; SMS goes through a routed capture provider (so provider spans and metrics exist).
/// </summary>
public sealed class DistributedServerFixture : HeraldServerFixture
{
    private readonly string _connection = ExternalServices.NewDatabase("herald_distributed");

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Herald:Storage:Engine"] = "postgres",
        ["Herald:Storage:Postgres:ConnectionString"] = _connection,
        ["Herald:Transport:Engine"] = "rabbitmq",
        ["Herald:Transport:RabbitMq:Uri"] = ExternalServices.RabbitMqUri,
        ["Herald:Transport:RabbitMq:ExchangePrefix"] = new NpgsqlConnectionStringBuilder(_connection).Database,
        ["Herald:Providers:sms-capture:Type"] = "capture",
        ["Herald:Channels:sms:Providers"] = "sms-capture",
    };
}
