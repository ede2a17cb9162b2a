using Herald.Core.Storage;
using Herald.Storage.Sqlite;
using Herald.Storage.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Storage.Tests.Sqlite;

/// <summary>
/// The embedded registration resolves every store port Core declares, each from exactly one store class: a port left out
/// would fail at the first request that needs it, and a port two classes implement would resolve to whichever was
/// registered last.
/// </summary>
public sealed class SqliteServiceCollectionExtensionsTests
{
    // Only the distributed mode has them: the embedded lanes claim from the store directly (no relay to a broker), and
    // provider rate buckets live in the one process.
    private static readonly Type[] DistributedOnly = [typeof(IWorkRelayStore), typeof(IProviderBucketStore)];

    private readonly string _path = Path.Combine(Path.GetTempPath(), "herald-store-tests", Guid.NewGuid().ToString("N") + ".db");

    [Fact]
    public async Task AddSqliteStore_EveryStorePort_ResolvesFromTheOneStoreClassImplementingIt()
    {
        var services = Stores.SqliteServices(_path);
        var stores = StoreClasses(services);
        await using var provider = services.BuildServiceProvider();

        stores.Count.ShouldBeGreaterThan(10, "the scan finds the store classes");
        var ports = StorePorts().Except(DistributedOnly).ToList();
        ports.Count.ShouldBeGreaterThan(15, "the scan finds Core's store ports");
        ports.Where(p => provider.GetService(p) is null).Select(p => p.Name).ShouldBeEmpty("every store port is registered");
        stores.SelectMany(s => StoreRegistration.Ports(s).Select(p => (Port: p, Store: s)))
            .GroupBy(x => x.Port).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key.Name}: {string.Join(", ", g.Select(x => x.Store.Name))}")
            .ShouldBeEmpty("no port is implemented by two store classes");
        foreach (var port in ports)
        {
            var store = provider.GetRequiredService(port);
            stores.ShouldContain(store.GetType(), $"{port.Name} resolves to a registered store class");
            provider.GetRequiredService(store.GetType()).ShouldBeSameAs(store, $"{port.Name} resolves to its store class's one instance");
        }
    }

    [Fact]
    public async Task AddSqliteStore_DistributedOnlyPorts_NotRegistered()
    {
        await using var provider = Stores.SqliteServices(_path).BuildServiceProvider();

        DistributedOnly.ShouldAllBe(p => StorePorts().Contains(p));
        DistributedOnly.Where(p => provider.GetService(p) is not null).Select(p => p.Name).ShouldBeEmpty();
    }

    /// <summary>Core's store ports: its interfaces named <c>*Store</c>, and <see cref="IStoreInitializer"/>.</summary>
    private static IEnumerable<Type> StorePorts() =>
        typeof(IStoreInitializer).Assembly.GetTypes()
            .Where(t => t.IsInterface && (t.Name.EndsWith("Store", StringComparison.Ordinal) || t == typeof(IStoreInitializer)));

    /// <summary>The classes of the SQLite assembly registered as services that implement a store port.</summary>
    private static List<Type> StoreClasses(IServiceCollection services) =>
        [.. services.Select(d => d.ServiceType)
            .Where(t => t.IsClass && t.Assembly == typeof(SqliteDatabase).Assembly && StoreRegistration.Ports(t).Any())
            .Distinct()];
}
