using Microsoft.Extensions.DependencyInjection;

namespace Herald.Core.Storage;

/// <summary>How an engine registers its stores: each store class once, and under every store port it implements.</summary>
public static class StoreRegistration
{
    /// <summary>
    /// Registers <typeparamref name="TStore"/> as a singleton made by <paramref name="create"/>, and resolves each port
    /// interface it implements (every interface declared in Herald.Core, such as <see cref="IDispatchStore"/>) to that
    /// one instance. A port two registered stores both implement resolves to the later one, so each port should have one
    /// store per engine (the store contract tests resolve every port).
    /// </summary>
    public static IServiceCollection AddStore<TStore>(this IServiceCollection services, Func<IServiceProvider, TStore> create)
        where TStore : class
    {
        services.AddSingleton(create);
        foreach (var port in Ports(typeof(TStore)))
        {
            services.AddSingleton(port, sp => sp.GetRequiredService<TStore>());
        }

        return services;
    }

    /// <summary>The store ports a store class implements: its interfaces declared in Herald.Core.</summary>
    public static IEnumerable<Type> Ports(Type store) =>
        store.GetInterfaces().Where(i => i.Assembly == typeof(IStoreInitializer).Assembly);
}
