using Herald.Storage.Tests.Infrastructure;

namespace Herald.Storage.Tests.Contracts;

/// <summary>
/// The pattern every contract follows: an abstract class of facts against the store ports, and one sealed subclass per
/// engine that only says how to open a store. The same facts run unchanged on SQLite and PostgreSQL.
/// </summary>
public abstract class InitializeContract
{
    protected abstract Task<StoreHandle> OpenAsync();

    [Fact]
    public async Task Initializing_twice_is_harmless()
    {
        await using var s = await OpenAsync();
        await s.Port<Herald.Core.Storage.IStoreInitializer>().InitializeAsync(CancellationToken.None);
        await s.Port<Herald.Core.Storage.IStoreInitializer>().InitializeAsync(CancellationToken.None);
    }
}

public sealed class SqliteInitializeTests : InitializeContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.SqliteAsync();
}

public sealed class PostgresInitializeTests : InitializeContract
{
    protected override Task<StoreHandle> OpenAsync() => Stores.PostgresAsync();
}
