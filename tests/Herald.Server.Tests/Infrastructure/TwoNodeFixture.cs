using System.Globalization;
using Herald.Testing;
using Npgsql;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>
/// Two Herald servers on one fresh PostgreSQL database and one set of RabbitMQ queues: a two-node cluster in the test
/// process. A runs every role, B only the API, so whatever B's streams and caches learn of A's work came through a
/// cluster signal. The poll interval is long (5 s): anything faster than it did not come from polling.
/// </summary>
public sealed class TwoNodeFixture : IAsyncLifetime
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    private const int Partitions = 2;

    private readonly string _connection = ExternalServices.NewDatabase("herald_two_nodes");

    public HeraldServerFixture A { get; private set; } = null!;

    public HeraldServerFixture B { get; private set; } = null!;

    private string Prefix => new NpgsqlConnectionStringBuilder(_connection).Database!;

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Herald:Storage:Engine"] = "postgres",
            ["Herald:Storage:Postgres:ConnectionString"] = _connection,
            ["Herald:Transport:Engine"] = "rabbitmq",
            ["Herald:Transport:RabbitMq:Uri"] = ExternalServices.RabbitMqUri,
            ["Herald:Transport:RabbitMq:ExchangePrefix"] = Prefix,
            ["Herald:Transport:RabbitMq:Partitions"] = Partitions.ToString(CultureInfo.InvariantCulture),
            ["Herald:Pipeline:PollInterval"] = PollInterval.ToString("c", CultureInfo.InvariantCulture),
        };

        // One after the other: the first creates the schema and the bootstrap key.
        A = new Node(settings);
        await A.InitializeAsync();
        B = new Node(new Dictionary<string, string?>(settings) { ["Herald:Roles"] = "api" });
        await B.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
        await RabbitMqCleanup.DeletePrefixAsync(ExternalServices.RabbitMqUri, Prefix, Partitions);
    }

    private sealed class Node(IReadOnlyDictionary<string, string?> settings) : HeraldServerFixture
    {
        protected override IReadOnlyDictionary<string, string?> ExtraSettings => settings;
    }
}
