using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Herald.Core.Domain;
using Herald.Core.Webhooks;
using Herald.Providers.Webhooks;

namespace Herald.Providers.Tests.Webhooks;

public sealed class WebhookSenderTests : IAsyncLifetime
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string Payload = "{\"type\":\"notification.sent\",\"data\":{\"text\":\"héllo\"}}";
    private static readonly DateTimeOffset Timestamp = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private LoopbackReceiver receiver = null!;

    public async Task InitializeAsync() => receiver = await LoopbackReceiver.StartAsync();

    public async Task DisposeAsync() => await receiver.DisposeAsync();

    [Fact]
    public async Task SendAsync_EndpointReturns200_ReturnsSentAndReceiverVerifiesSignature()
    {
        WebhookMessage message = Message(receiver.Url("/status/200"));

        DeliveryOutcome outcome = await Sender().SendAsync(message, CancellationToken.None).WaitAsync(Wait);

        outcome.ShouldBe(new DeliveryOutcome.Sent(null));
        ReceivedWebhook received = receiver.Received.ShouldHaveSingleItem();
        received.Method.ShouldBe("POST");
        received.Id.ShouldBe(message.MessageId);
        received.Timestamp.ShouldBe("1748779200");
        received.Body.ShouldBe(Payload);
        received.ContentType.ShouldStartWith("application/json");
        long timestamp = long.Parse(received.Timestamp, CultureInfo.InvariantCulture);
        StandardWebhookSigner.Verify(Secret, received.Id, timestamp, received.Body, received.Signature, timestamp + 1).ShouldBeTrue();
    }

    [Fact]
    public async Task SendAsync_EndpointReturns410_ReturnsInvalidTarget()
    {
        DeliveryOutcome outcome = await Sender().SendAsync(Message(receiver.Url("/status/410")), CancellationToken.None).WaitAsync(Wait);

        outcome.ShouldBe(new DeliveryOutcome.InvalidTarget("endpoint returned 410 Gone"));
    }

    [Fact]
    public async Task SendAsync_EndpointReturns503WithRetryAfter7_ReturnsRetryAfter7Seconds()
    {
        DeliveryOutcome outcome = await Sender().SendAsync(Message(receiver.Url("/status/503?retryAfter=7")), CancellationToken.None).WaitAsync(Wait);

        outcome.ShouldBe(new DeliveryOutcome.Retry("endpoint returned 503", TimeSpan.FromSeconds(7)));
    }

    [Fact]
    public async Task SendAsync_EndpointReturns429WithRetryAfterDate_ReturnsDelayFromTimeProviderNow()
    {
        var now = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        string date = Uri.EscapeDataString(now.AddSeconds(120).ToString("r", CultureInfo.InvariantCulture));

        DeliveryOutcome outcome = await Sender(time: new FakeTimeProvider(now))
            .SendAsync(Message(receiver.Url($"/status/429?retryAfter={date}")), CancellationToken.None).WaitAsync(Wait);

        outcome.ShouldBe(new DeliveryOutcome.Retry("endpoint returned 429", TimeSpan.FromSeconds(120)));
    }

    [Fact]
    public async Task SendAsync_EndpointRedirects_ReturnsRetryWithoutFollowing()
    {
        DeliveryOutcome outcome = await Sender().SendAsync(Message(receiver.Url("/redirect")), CancellationToken.None).WaitAsync(Wait);

        outcome.ShouldBe(new DeliveryOutcome.Retry("endpoint returned 302"));
        receiver.Received.ShouldHaveSingleItem().Path.ShouldBe("/redirect");
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task SendAsync_LoopbackHostWithPrivateNetworksRefused_ReturnsRejectedAndReceiverGetsNothing(string host)
    {
        var url = new UriBuilder(receiver.Url("/status/200")) { Host = host }.Uri;

        DeliveryOutcome outcome = await Sender(allowPrivateNetworks: false).SendAsync(Message(url), CancellationToken.None).WaitAsync(Wait);

        DeliveryOutcome.Rejected rejected = outcome.ShouldBeOfType<DeliveryOutcome.Rejected>();
        rejected.Reason.ShouldContain("non-public address");
        rejected.Reason.ShouldContain(host);
        rejected.Reason.ShouldNotContain(Secret["whsec_".Length..]);
        receiver.Received.ShouldBeEmpty();
    }

    [Fact]
    public async Task SendAsync_NameResolvingToNonPublicAddress_ReasonDoesNotRevealTheAddress()
    {
        var url = new UriBuilder(receiver.Url("/status/200")) { Host = "localhost" }.Uri;

        DeliveryOutcome outcome = await Sender(allowPrivateNetworks: false).SendAsync(Message(url), CancellationToken.None).WaitAsync(Wait);

        // Delivery history is readable with a read key; what the internal DNS answered is not theirs to learn.
        outcome.ShouldBe(new DeliveryOutcome.Rejected("refused to connect to 'localhost': it resolves to a non-public address"));
    }

    [Fact]
    public async Task SendAsync_EndpointSlowerThanTimeout_ReturnsRetryTimeout()
    {
        // Long enough for the request to reach the receiver on a loaded machine (300 ms failed there), far below /slow's 30 s.
        WebhookSender sender = Sender(timeout: TimeSpan.FromSeconds(2));

        DeliveryOutcome outcome = await sender.SendAsync(Message(receiver.Url("/slow")), CancellationToken.None).WaitAsync(Wait);

        outcome.ShouldBe(new DeliveryOutcome.Retry("timeout"));
        receiver.Received.ShouldHaveSingleItem().Path.ShouldBe("/slow");
    }

    [Fact]
    public async Task SendAsync_CallerCancels_ThrowsOperationCanceled()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Should.ThrowAsync<OperationCanceledException>(
            () => Sender().SendAsync(Message(receiver.Url("/slow")), cts.Token).WaitAsync(Wait));
    }

    [Fact]
    public async Task SendAsync_NothingListening_ReturnsRetryConnectionFailed()
    {
        var url = new Uri($"http://127.0.0.1:{ClosedPort()}/hook");

        DeliveryOutcome outcome = await Sender().SendAsync(Message(url), CancellationToken.None).WaitAsync(Wait);

        DeliveryOutcome.Retry retry = outcome.ShouldBeOfType<DeliveryOutcome.Retry>();
        retry.Reason.ShouldStartWith("connection failed:");
        retry.RetryAfter.ShouldBeNull();
        retry.Reason.ShouldNotContain(Secret["whsec_".Length..]);
    }

    [Fact]
    public async Task SendAsync_UnresolvableHost_ReturnsRetryConnectionFailed()
    {
        var url = new Uri("http://herald-webhook-test.invalid/hook");

        DeliveryOutcome outcome = await Sender().SendAsync(Message(url), CancellationToken.None).WaitAsync(Wait);

        outcome.ShouldBeOfType<DeliveryOutcome.Retry>().Reason.ShouldStartWith("connection failed:");
    }

    [Fact]
    public async Task SendAsync_NonHttpUrl_ReturnsRejected()
    {
        DeliveryOutcome outcome = await Sender().SendAsync(Message(new Uri("ftp://example.com/hook")), CancellationToken.None);

        outcome.ShouldBe(new DeliveryOutcome.Rejected("webhook URL must be an absolute http or https URL"));
    }

    [Fact]
    public async Task SendAsync_SecretNotBase64_ReturnsRejectedWithoutSecretAndSendsNothing()
    {
        WebhookMessage message = Message(receiver.Url("/status/200")) with { Secret = "whsec_not*base64" };

        DeliveryOutcome outcome = await Sender().SendAsync(message, CancellationToken.None);

        outcome.ShouldBe(new DeliveryOutcome.Rejected("webhook secret is not valid base64"));
        receiver.Received.ShouldBeEmpty();
    }

    [Fact]
    public void ToString_Message_RedactsSecret()
    {
        string text = Message(new Uri("https://example.com/hook")).ToString();

        text.ShouldContain("msg_test_");
        text.ShouldContain("Secret = ***");
        text.ShouldNotContain(Secret["whsec_".Length..]);
    }

    private static WebhookMessage Message(Uri url) => new(url, Secret, "msg_test_" + Guid.NewGuid().ToString("N"), Timestamp, Payload);

    private static WebhookSender Sender(bool allowPrivateNetworks = true, TimeProvider? time = null, TimeSpan? timeout = null)
    {
        var options = new WebhookOptions { AllowPrivateNetworks = allowPrivateNetworks };
        var http = new HttpClient(WebhookHttpHandler.Create(options)) { Timeout = timeout ?? TimeSpan.FromSeconds(10) };
        return new WebhookSender(http, time ?? TimeProvider.System);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
