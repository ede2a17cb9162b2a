using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Herald.Core.Domain;
using Herald.Core.Transport;
using Herald.Transport.RabbitMq.Internal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Transport.RabbitMq.Tests;

public sealed class OutageTests
{
    [Fact]
    public async Task PublishAsync_BrokerUnreachable_ThrowsPromptlyAndHealthSaysWhy()
    {
        var options = new RabbitMqOptions
        {
            Uri = new Uri($"amqp://guest:guest@127.0.0.1:{ClosedPort()}/"),
            ExchangePrefix = "t-unreachable",
            PublishTimeout = TimeSpan.FromSeconds(5),
        };
        await using var transport = new RabbitMqWorkTransport(Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System,
            NullLogger<RabbitMqWorkTransport>.Instance);
        transport.Health.Ready.ShouldBeFalse();

        var watch = Stopwatch.StartNew();
        await Should.ThrowAsync<RabbitMqUnavailableException>(() => transport.PublishAsync([TransportScope.Item("frank", 1)], CancellationToken.None));
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(4));

        watch.Restart();
        await Should.ThrowAsync<RabbitMqUnavailableException>(() => transport.PublishAsync([TransportScope.Item("frank", 2)], CancellationToken.None));
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(1), "an outage already known fails at once");

        var (ready, reason) = transport.Health;
        ready.ShouldBeFalse();
        reason.ShouldNotBeNull().ShouldStartWith("rabbitmq: ");
    }

    [Fact]
    public async Task ConsumeAsync_BrokerUnreachable_ReturnsWhenCancelled()
    {
        var options = new RabbitMqOptions { Uri = new Uri($"amqp://guest:guest@127.0.0.1:{ClosedPort()}/"), ExchangePrefix = "t-unreachable" };
        await using var transport = new RabbitMqWorkTransport(Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System,
            NullLogger<RabbitMqWorkTransport>.Instance);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        await transport.ConsumeAsync(Channel.Sms, Priority.Urgent, 16, (items, _) => Task.FromResult<IReadOnlyList<WorkResult>>([.. items.Select(_ => WorkResult.Ack)]), cts.Token)
            .WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ConsumeAsync_TransportDisposed_Returns()
    {
        await using var scope = await TransportScope.StartAsync();
        var consuming = scope.Transport.ConsumeAsync(Channel.Push, Priority.Low, 16, (items, _) => Task.FromResult<IReadOnlyList<WorkResult>>([.. items.Select(_ => WorkResult.Ack)]),
            CancellationToken.None);
        await Task.Delay(300);

        await scope.Transport.DisposeAsync();

        await consuming.WaitAsync(TimeSpan.FromSeconds(10));
        scope.Transport.Health.ShouldBe((false, "rabbitmq: stopped"));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
