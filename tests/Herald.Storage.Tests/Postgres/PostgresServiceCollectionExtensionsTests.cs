using Herald.Core.Storage;
using Herald.Storage.Postgres;
using Herald.Storage.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Storage.Tests.Postgres;

/// <summary>
/// The PostgreSQL registration serves every store port, each from exactly one store class: a port left out would fail
/// only when the server first asks for it, and one two classes implement would silently resolve to the later one.
/// </summary>
public sealed class PostgresServiceCollectionExtensionsTests
{
    // Resolving builds the stores and the data source but opens no connection, so no server is needed.
    private const string Connection = "Host=127.0.0.1;Database=herald_registration";

    [Fact]
    public async Task AddPostgresStore_EveryStorePort_Resolves()
    {
        await using var services = Stores.PostgresServices(Connection);

        var missing = StorePorts().Where(port => services.GetService(port) is null).Select(port => port.Name).ToList();

        StorePorts().Count.ShouldBeGreaterThan(20, "the scan finds the ports");
        missing.ShouldBeEmpty("every store port declared in Herald.Core is registered by AddPostgresStore");
    }

    [Fact]
    public async Task AddPostgresStore_EachPort_ImplementedByOneStoreClass()
    {
        var stores = StoreClasses();
        await using var services = Stores.PostgresServices(Connection);

        var shared = stores.SelectMany(s => StoreRegistration.Ports(s).Select(port => (Port: port, Store: s))).GroupBy(x => x.Port)
            .Where(g => g.Count() > 1).Select(g => $"{g.Key.Name}: {string.Join(", ", g.Select(x => x.Store.Name))}").ToList();

        stores.Count.ShouldBeGreaterThan(10, "one store class per port family");
        shared.ShouldBeEmpty("a port two stores implement resolves to the later one only");
        foreach (var store in stores)
        {
            var instance = services.GetRequiredService(store);
            foreach (var port in StoreRegistration.Ports(store))
            {
                services.GetService(port).ShouldBeSameAs(instance, $"{port.Name} resolves to the {store.Name} registered once");
            }
        }
    }

    /// <summary>The ports: interfaces of Herald.Core named *Store, and the initializer.</summary>
    private static List<Type> StorePorts() =>
        [.. typeof(IStoreInitializer).Assembly.GetTypes().Where(t => t.IsInterface && t.IsPublic && t.Name.EndsWith("Store", StringComparison.Ordinal))
            .Append(typeof(IStoreInitializer))];

    /// <summary>The store classes the registration adds: its concrete types that implement a store port.</summary>
    private static List<Type> StoreClasses()
    {
        var ports = StorePorts();
        return [.. new ServiceCollection().AddPostgresStore().Select(d => d.ServiceType)
            .Where(t => t is { IsClass: true, IsAbstract: false } && t.Assembly == typeof(PostgresDatabase).Assembly && StoreRegistration.Ports(t).Any(ports.Contains))
            .Distinct()];
    }
}
