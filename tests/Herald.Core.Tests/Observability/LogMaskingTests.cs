using Herald.Core.Observability;

namespace Herald.Core.Tests.Observability;

public sealed class LogMaskingTests
{
    [Theory]
    [InlineData("sent to jane.doe+news@example.co.uk", "sent to j***@example.co.uk")]
    [InlineData("GET /api/v1/suppressions?address=jane%40example.com", "GET /api/v1/suppressions?address=j***%40example.com")]
    [InlineData("sms to +15550100234 failed", "sms to +1555***34 failed")]
    [InlineData("address=%2B447700900123&x=1", "address=%2B4477***23&x=1")]
    [InlineData("token 3f2a9c0d5e8b7a6f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b", "token 3f2a…[64]")]
    [InlineData("fcm dXk3b2xRTtS:APA91bHPRgkFLJu6fC0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0", "fcm dXk3…[61]")]
    [InlineData("api_key=sk_live_abc123 and password: hunter2", "api_key=*** and password: ***")]
    [InlineData("Authorization: Bearer eyJhbGciOi.abc.def", "Authorization: ***")]
    [InlineData("header Bearer abcdef123456", "header Bearer ***")]
    [InlineData("{\"AuthToken\":\"s3cr3t\"}", "{\"AuthToken\":\"***\"}")]
    public void Mask_PersonalDataAndSecrets_AreMasked(string input, string expected) => LogMasking.Mask(input).ShouldBe(expected);

    [Theory]
    [InlineData("delivery dlv_0190f3a2b4c5d6e7f8091a2b3c4d5e6f settled")]
    [InlineData("at Herald.Storage.Postgres.PostgresStore.GetQueueSnapshotAsync(CancellationToken ct)")]
    [InlineData("trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7")]
    [InlineData("Lane sms/urgent failed a round; backing off")]
    [InlineData("2026-11-22T09:18:00.1234567+00:00 took 12 ms")]
    public void Mask_IdsTypeNamesAndPlainText_StayReadable(string input) => LogMasking.Mask(input).ShouldBe(input);

    public static TheoryData<string, string> Adversarial => new()
    {
        { "address characters without an '@'", new string('a', 200_000) },
        { "letters without a digit", string.Concat(Enumerable.Repeat("Herald.Core.", 20_000)) + "!" },
        { "a domain without a top-level label", "a@" + string.Concat(Enumerable.Repeat("a.", 100_000)) },
        { "secret keys without a value", string.Concat(Enumerable.Repeat("token ", 40_000)) },
    };

    [Theory]
    [MemberData(nameof(Adversarial))]
    public void Mask_LongAdversarialInput_FinishesWellUnderASecond(string shape, string input)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();

        LogMasking.Mask(input);

        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(1), shape);
    }

    [Theory]
    [InlineData("ApiKey", true)]
    [InlineData("AuthToken", true)]
    [InlineData("WebhookSecret", true)]
    [InlineData("Channel", false)]
    [InlineData("DeliveryId", false)]
    public void IsSecretKey_StateKeys_RecognisesSecretNames(string key, bool secret) => LogMasking.IsSecretKey(key).ShouldBe(secret);
}
