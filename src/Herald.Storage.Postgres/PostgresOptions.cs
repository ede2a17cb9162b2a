namespace Herald.Storage.Postgres;

/// <summary>Settings under <c>Herald:Storage:Postgres</c>.</summary>
public sealed class PostgresOptions
{
    public const string SectionName = "Herald:Storage:Postgres";

    /// <summary>An Npgsql connection string. Required when <c>Herald:Storage:Engine</c> is <c>postgres</c>.</summary>
    public string ConnectionString { get; set; } = "";
}
