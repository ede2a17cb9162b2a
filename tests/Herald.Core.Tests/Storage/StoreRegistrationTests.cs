using Herald.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Core.Tests.Storage;

public sealed class StoreRegistrationTests
{
    [Fact]
    public void AddStore_StoreWithTwoPorts_EachPortResolvesToTheOneInstance()
    {
        var made = 0;
        using var services = new ServiceCollection().AddStore(_ => new TwoPortStore(++made)).BuildServiceProvider();

        var settings = services.GetRequiredService<ISettingsStore>();
        var keys = services.GetRequiredService<IApiKeyStore>();

        settings.ShouldBeSameAs(keys);
        settings.ShouldBeSameAs(services.GetRequiredService<TwoPortStore>());
        made.ShouldBe(1);
        services.GetService<IUserStore>().ShouldBeNull();
    }

    [Fact]
    public void Ports_InterfaceFromOutsideCore_NotAPort() =>
        StoreRegistration.Ports(typeof(TwoPortStore)).ShouldBe([typeof(ISettingsStore), typeof(IApiKeyStore)], ignoreOrder: true);

    private sealed class TwoPortStore(int number) : ISettingsStore, IApiKeyStore, IDisposable
    {
        public int Number { get; } = number;

        public Task<string> GetOrAddSettingAsync(string key, Func<string> create, CancellationToken ct) => Task.FromResult(create());

        public Task<bool> ReplaceSettingAsync(string key, string expected, string value, CancellationToken ct) => Task.FromResult(false);

        public Task<int> CountApiKeysAsync(CancellationToken ct) => Task.FromResult(Number);

        public Task InsertApiKeyAsync(Herald.Core.Domain.ApiKey key, CancellationToken ct) => Task.CompletedTask;

        public Task<Herald.Core.Domain.ApiKey?> FindApiKeyAsync(string keyHash, CancellationToken ct) => Task.FromResult<Herald.Core.Domain.ApiKey?>(null);

        public Task<Herald.Core.Domain.ApiKey?> GetApiKeyAsync(string id, CancellationToken ct) => Task.FromResult<Herald.Core.Domain.ApiKey?>(null);

        public Task<IReadOnlyList<Herald.Core.Domain.ApiKey>> ListApiKeysAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<Herald.Core.Domain.ApiKey>>([]);

        public Task<Herald.Core.Domain.ApiKey?> RevokeApiKeyAsync(string id, DateTimeOffset at, CancellationToken ct) => Task.FromResult<Herald.Core.Domain.ApiKey?>(null);

        public Task<Herald.Core.Domain.ApiKey?> RotateApiKeyAsync(string id, string newHash, string newPrefix, DateTimeOffset previousUntil, CancellationToken ct) =>
            Task.FromResult<Herald.Core.Domain.ApiKey?>(null);

        public Task<Herald.Core.Domain.ApiKey?> SetApiKeyLimitsAsync(string id, int? requestsPerSecond, int? notificationsPerSecond, CancellationToken ct) =>
            Task.FromResult<Herald.Core.Domain.ApiKey?>(null);

        public Task TouchApiKeyAsync(string id, DateTimeOffset at, CancellationToken ct) => Task.CompletedTask;

        public void Dispose()
        {
            // Nothing held: IDisposable is here as an interface from outside Herald.Core.
        }
    }
}
