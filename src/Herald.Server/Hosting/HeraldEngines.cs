namespace Herald.Server.Hosting;

/// <summary>
/// <c>Herald:Storage:Engine</c> (sqlite | postgres) and <c>Herald:Transport:Engine</c> (inprocess | rabbitmq). The
/// embedded default is SQLite with in-process lanes; the distributed mode is PostgreSQL with RabbitMQ.
/// </summary>
internal sealed record HeraldEngines(bool Postgres, bool RabbitMq)
{
    public static HeraldEngines From(IConfiguration configuration)
    {
        var storage = (configuration["Herald:Storage:Engine"] ?? "sqlite").Trim().ToLowerInvariant();
        var transport = (configuration["Herald:Transport:Engine"] ?? "inprocess").Trim().ToLowerInvariant();
        if (storage is not ("sqlite" or "postgres"))
        {
            throw new InvalidOperationException($"Herald:Storage:Engine '{storage}' is unknown; expected sqlite or postgres");
        }

        if (transport is not ("inprocess" or "rabbitmq"))
        {
            throw new InvalidOperationException($"Herald:Transport:Engine '{transport}' is unknown; expected inprocess or rabbitmq");
        }

        if (transport == "rabbitmq" && storage != "postgres")
        {
            // Several processes need one shared store; a SQLite file belongs to one process.
            throw new InvalidOperationException("Herald:Transport:Engine 'rabbitmq' needs Herald:Storage:Engine 'postgres'");
        }

        return new HeraldEngines(storage == "postgres", transport == "rabbitmq");
    }
}
