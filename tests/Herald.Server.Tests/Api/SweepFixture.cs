using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;
using Herald.Testing;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Herald.Server.Tests.Api;

/// <summary>
/// Herald as the bad-input sweep needs it: private webhook networks refused (the production default, so SSRF URLs meet the
/// policy they would meet in production), a published template, a user, a campaign and a webhook endpoint for the valid
/// bodies to refer to, and every table's row count for the before/after comparison.
/// </summary>
public abstract class SweepFixture : HeraldServerFixture
{
    public abstract string Engine { get; }

    /// <summary>Tables that change by themselves while the server idles (its own heartbeat), not by a request.</summary>
    public IReadOnlySet<string> Ambient { get; } = new HashSet<string>(StringComparer.Ordinal) { "worker_nodes", "sqlite_sequence" };

    public string CampaignId { get; private set; } = "";

    public string EndpointId { get; private set; } = "";

    /// <summary>An API key the rotate route's valid body is sent to.</summary>
    public string KeyId { get; private set; } = "";

    protected virtual IReadOnlyDictionary<string, string?> EngineSettings => new Dictionary<string, string?>();

    protected sealed override IReadOnlyDictionary<string, string?> ExtraSettings =>
        new Dictionary<string, string?>(EngineSettings) { ["Herald:Webhooks:AllowPrivateNetworks"] = "false" };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await CreateTemplateAsync(BadInputClasses.Template, new JsonObject
        {
            ["in_app"] = new JsonObject { ["title"] = "Hi {{name}}", ["body"] = "b" },
            ["email"] = new JsonObject { ["subject"] = "Subject {{name}}", ["text"] = "Hi {{name}}" },
        }, ["name"]);
        await PutUserAsync(BadInputClasses.User, email: "sweep@example.com");
        using (var campaign = await Client.PostJsonAsync("/api/v1/campaigns", new JsonObject
        {
            ["name"] = "sweep", ["event_type"] = BadInputClasses.Template, ["data"] = new JsonObject { ["name"] = "n" }, ["recipient_ids"] = new JsonArray("sweep-a"),
            ["scheduled_at"] = TimeProvider.System.GetUtcNow().AddDays(1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        }))
        {
            CampaignId = (await campaign.ShouldHaveStatusAsync(201)).Str("id");
        }

        using var endpoint = await Client.PostJsonAsync("/api/v1/webhook-endpoints", new JsonObject { ["url"] = "https://example.com/hooks/sweep", ["recipient_id"] = "sweep-r" });
        EndpointId = (await endpoint.ShouldHaveStatusAsync(201)).Str("id");
        using var key = await Client.PostJsonAsync("/api/v1/keys", new JsonObject { ["name"] = "sweep", ["scopes"] = new JsonArray("notifications:read") });
        KeyId = (await key.ShouldHaveStatusAsync(201))["key"].Str("id");
    }

    /// <summary>Every table's row count.</summary>
    public abstract Task<Dictionary<string, long>> CountsAsync();
}

public sealed class SqliteSweepFixture : SweepFixture
{
    public override string Engine => "sqlite";

    public override async Task<Dictionary<string, long>> CountsAsync()
    {
        await using var c = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");
        await c.OpenAsync();
        return await CountAsync(c, "SELECT name FROM sqlite_master WHERE type = 'table'");
    }

    internal static async Task<Dictionary<string, long>> CountAsync(System.Data.Common.DbConnection c, string listTables)
    {
        var tables = new List<string>();
        await using (var list = c.CreateCommand())
        {
            list.CommandText = listTables;
            await using var r = await list.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                tables.Add(r.GetString(0));
            }
        }

        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var t in tables)
        {
            await using var count = c.CreateCommand();
            count.CommandText = $"SELECT count(*) FROM \"{t}\"";
            counts[t] = Convert.ToInt64(await count.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }

        return counts;
    }
}

public sealed class PostgresSweepFixture : SweepFixture
{
    private readonly string _connection = ExternalServices.NewDatabase("herald_sweep");

    public override string Engine => "postgres";

    protected override IReadOnlyDictionary<string, string?> EngineSettings => new Dictionary<string, string?>
    {
        ["Herald:Storage:Engine"] = "postgres",
        ["Herald:Storage:Postgres:ConnectionString"] = _connection,
    };

    /// <summary>Top-level tables only: a partitioned table's count includes its partitions.</summary>
    public override async Task<Dictionary<string, long>> CountsAsync()
    {
        await using var c = new NpgsqlConnection(_connection);
        await c.OpenAsync();
        return await SqliteSweepFixture.CountAsync(c,
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition");
    }
}
