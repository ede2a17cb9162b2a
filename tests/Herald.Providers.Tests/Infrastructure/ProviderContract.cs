using Herald.Core.Domain;
using Herald.Providers.Abstractions;

namespace Herald.Providers.Tests.Infrastructure;

/// <summary>
/// The contract every HTTP adapter must keep, run against the sandbox speaking the vendor's wire API. A vendor's test
/// class derives from it, says how to build its adapter and deliveries, and adds its vendor-specific tests.
/// Tests in one class run one after another and each class has its own sandbox, so fault plans do not leak.
/// </summary>
public abstract class ProviderContract(SandboxFixture sandbox) : IClassFixture<SandboxFixture>, IAsyncLifetime
{
    protected SandboxFixture Sandbox => sandbox;

    /// <summary>The sandbox vendor key (twilio, sendgrid, ...).</summary>
    protected abstract string Vendor { get; }

    /// <summary>An adapter pointed at the sandbox (or at <paramref name="baseUrl"/>), with the given call timeout.</summary>
    protected abstract IProviderAdapter CreateAdapter(string? baseUrl = null, TimeSpan? timeout = null);

    /// <summary>A delivery the vendor accepts.</summary>
    protected abstract Delivery ValidDelivery();

    /// <summary>A delivery whose target the vendor reports as gone at send time (null when the vendor only reports it later).</summary>
    protected abstract Delivery? InvalidTargetDelivery();

    /// <summary>A delivery the vendor refuses for good (a documented permanent error), or null.</summary>
    protected abstract Delivery? PermanentErrorDelivery();

    /// <summary>False for vendors with no look-up by reference (the priority's policy decides for them).</summary>
    protected virtual bool SupportsLookUp => true;

    public Task InitializeAsync() => Sandbox.ClearFaultsAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Accepted_message_is_sent_and_recorded_with_our_reference()
    {
        var d = ValidDelivery();
        var outcome = await CreateAdapter().SendAsync(d, CancellationToken.None);
        outcome.ShouldBeOfType<DeliveryOutcome.Sent>().ProviderMessageId.ShouldNotBeNullOrEmpty();
        var recorded = await Sandbox.MessagesAsync(Vendor, d.Id);
        recorded.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Server_error_is_retried()
    {
        await Sandbox.SetFaultsAsync(Vendor, new { error_rate = 1.0, error_status = 503 });
        (await CreateAdapter().SendAsync(ValidDelivery(), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Retry>();
    }

    [Fact]
    public async Task Rate_limit_is_retried_no_sooner_than_retry_after()
    {
        await Sandbox.SetFaultsAsync(Vendor, new { rate_limit_rate = 1.0, retry_after_seconds = 7 });
        var retry = (await CreateAdapter().SendAsync(ValidDelivery(), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Retry>();
        retry.RetryAfter.ShouldBe(TimeSpan.FromSeconds(7));
    }

    [Fact]
    public async Task Refused_credentials_are_a_configuration_error()
    {
        await Sandbox.SetFaultsAsync(Vendor, new { invalid_credentials = true });
        (await CreateAdapter().SendAsync(ValidDelivery(), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Misconfigured>();
    }

    [Fact]
    public async Task Invalid_target_is_reported_as_such()
    {
        if (InvalidTargetDelivery() is not { } d)
        {
            // The vendor only learns later that an address is gone (a bounce): then it must report it by status callback.
            CreateAdapter().ShouldBeAssignableTo<IStatusCallbackReceiver>();
            return;
        }

        (await CreateAdapter().SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.InvalidTarget>();
    }

    [Fact]
    public async Task Permanent_error_is_rejected()
    {
        var d = PermanentErrorDelivery().ShouldNotBeNull("every vendor here documents a permanent error");
        (await CreateAdapter().SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Rejected>();
    }

    [Fact]
    public async Task Unreachable_provider_is_retried_because_nothing_was_sent()
    {
        // A port nothing listens on: the connection is refused before any byte of the request leaves.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        (await CreateAdapter($"http://127.0.0.1:{port}").SendAsync(ValidDelivery(), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Retry>();
    }

    [Fact]
    public async Task Accepted_then_timed_out_is_unknown_and_the_look_up_finds_it()
    {
        // Warm first (JIT, connection): a cold first request on a busy machine can outlast the timeout before its body
        // is written, which is correctly a retry, not the case under test. The timeout is still far below the hang.
        var adapter = CreateAdapter(timeout: TimeSpan.FromSeconds(2));
        (await adapter.SendAsync(ValidDelivery(), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>();
        await Sandbox.SetFaultsAsync(Vendor, new { accept_then_timeout_rate = 1.0, accept_then_timeout_ms = 5_000 });
        var d = ValidDelivery();
        (await adapter.SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Unknown>();
        await Sandbox.ClearFaultsAsync();
        (await Sandbox.MessagesAsync(Vendor, d.Id)).Count.ShouldBe(1);
        (await adapter.LookUpAsync(d, CancellationToken.None)).ShouldBe(SupportsLookUp ? LookUpAnswer.Found : LookUpAnswer.CannotAsk);
    }

    [Fact]
    public async Task Look_up_of_a_delivery_never_sent_says_so()
    {
        (await CreateAdapter().LookUpAsync(ValidDelivery(), CancellationToken.None)).ShouldBe(SupportsLookUp ? LookUpAnswer.NotFound : LookUpAnswer.CannotAsk);
    }
}
