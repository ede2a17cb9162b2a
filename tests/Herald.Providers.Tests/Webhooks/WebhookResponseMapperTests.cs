using System.Net;
using System.Net.Http.Headers;
using Herald.Core.Domain;
using Herald.Providers.Webhooks;

namespace Herald.Providers.Tests.Webhooks;

public sealed class WebhookResponseMapperTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(200)]
    [InlineData(202)]
    [InlineData(204)]
    [InlineData(299)]
    public void Map_Success_ReturnsSent(int status)
    {
        WebhookResponseMapper.Map((HttpStatusCode)status, null, Now).ShouldBe(new DeliveryOutcome.Sent(null));
    }

    [Fact]
    public void Map_Gone_ReturnsInvalidTarget()
    {
        WebhookResponseMapper.Map(HttpStatusCode.Gone, null, Now)
            .ShouldBe(new DeliveryOutcome.InvalidTarget("endpoint returned 410 Gone"));
    }

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(504)]
    public void Map_OtherStatus_ReturnsRetryNamingCode(int status)
    {
        WebhookResponseMapper.Map((HttpStatusCode)status, new RetryConditionHeaderValue(TimeSpan.FromSeconds(9)), Now)
            .ShouldBe(new DeliveryOutcome.Retry($"endpoint returned {status}"));
    }

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    public void Map_ThrottledWithDelta_ReturnsRetryAfterDelta(int status)
    {
        WebhookResponseMapper.Map((HttpStatusCode)status, new RetryConditionHeaderValue(TimeSpan.FromSeconds(7)), Now)
            .ShouldBe(new DeliveryOutcome.Retry($"endpoint returned {status}", TimeSpan.FromSeconds(7)));
    }

    [Fact]
    public void Map_ThrottledWithDate_ReturnsDelayRelativeToNow()
    {
        WebhookResponseMapper.Map(HttpStatusCode.TooManyRequests, new RetryConditionHeaderValue(Now.AddMinutes(2)), Now)
            .ShouldBe(new DeliveryOutcome.Retry("endpoint returned 429", TimeSpan.FromMinutes(2)));
    }

    [Fact]
    public void Map_ThrottledWithPastDate_ReturnsZeroDelay()
    {
        WebhookResponseMapper.Map(HttpStatusCode.ServiceUnavailable, new RetryConditionHeaderValue(Now.AddMinutes(-2)), Now)
            .ShouldBe(new DeliveryOutcome.Retry("endpoint returned 503", TimeSpan.Zero));
    }

    [Fact]
    public void Map_ThrottledWithoutHeader_ReturnsRetryWithoutDelay()
    {
        WebhookResponseMapper.Map(HttpStatusCode.ServiceUnavailable, null, Now)
            .ShouldBe(new DeliveryOutcome.Retry("endpoint returned 503"));
    }
}
