using Herald.Core.Domain;
using Herald.Providers.Abstractions;
using Herald.Providers.Tests.Infrastructure;
using Herald.Providers.Twilio;

namespace Herald.Providers.Tests.Twilio;

/// <summary>Fetching one message's status (Messages/{Sid}.json) for a sent delivery that was never confirmed.</summary>
public sealed class TwilioMessageStatusTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => sandbox.ClearFaultsAsync();

    public Task DisposeAsync() => sandbox.ClearFaultsAsync();

    [Theory]
    [InlineData("delivered", null, "delivered", false)]
    [InlineData("read", null, "delivered", false)]
    [InlineData("partially_delivered", null, "delivered", false)]
    [InlineData("undelivered", "30003", "failed", false)]
    [InlineData("undelivered", "30005", "failed", true)]
    [InlineData("failed", "30007", "failed", true)]
    [InlineData("failed", "30008", "failed", false)]
    [InlineData("canceled", null, "failed", true)]
    [InlineData("queued", null, "pending", false)]
    [InlineData("accepted", null, "pending", false)]
    [InlineData("scheduled", null, "pending", false)]
    [InlineData("sending", null, "pending", false)]
    [InlineData("sent", null, "pending", false)]
    public void Map_EachTwilioStatus_IsItsAnswer(string status, string? errorCode, string expected, bool permanent)
    {
        var body = $$"""{"sid":"SM1","status":"{{status}}","error_code":{{errorCode ?? "null"}},"to":"+15551234567"}""";

        var answer = TwilioMessageStatus.Map(body);

        switch (expected)
        {
            case "delivered":
                answer.ShouldBeOfType<ProviderStatusAnswer.Delivered>().Detail.ShouldBe(status);
                break;
            case "failed":
                var failed = answer.ShouldBeOfType<ProviderStatusAnswer.Failed>();
                failed.Permanent.ShouldBe(permanent);
                failed.Detail.ShouldStartWith(status);
                if (errorCode is not null)
                {
                    failed.Detail.ShouldContain(errorCode);
                }

                break;
            default:
                answer.ShouldBeOfType<ProviderStatusAnswer.Pending>().Detail.ShouldBe(status);
                break;
        }
    }

    [Fact]
    public void Map_UnreadableOrWithoutStatus_IsUnanswered()
    {
        TwilioMessageStatus.Map("<html>").ShouldBeOfType<ProviderStatusAnswer.Unanswered>();
        TwilioMessageStatus.Map("""{"sid":"SM1"}""").ShouldBeOfType<ProviderStatusAnswer.Unanswered>();
    }

    [Theory]
    [InlineData("+15551230668", "delivered")]
    [InlineData("+15551230667", "undelivered")]
    public async Task FetchStatusAsync_CallbackLostAtTheSandbox_ReportsTheFinalStatus(string to, string status)
    {
        var adapter = TwilioSetup.Adapter(sandbox.BaseUrl);
        var d = TwilioSetup.Delivery(to);
        var sid = (await adapter.SendAsync(d, CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>().ProviderMessageId;
        var sent = d with { ProviderMessageId = sid };

        var answer = await PollAsync(() => adapter.FetchStatusAsync(sent, CancellationToken.None));

        if (status == "delivered")
        {
            answer.ShouldBeOfType<ProviderStatusAnswer.Delivered>().Detail.ShouldBe("delivered");
        }
        else
        {
            var failed = answer.ShouldBeOfType<ProviderStatusAnswer.Failed>();
            failed.Detail.ShouldBe("undelivered: twilio error 30003");
            failed.Permanent.ShouldBeFalse("30003 (unreachable handset) is worth a resend");
        }
    }

    [Fact]
    public async Task FetchStatusAsync_SidTwilioDoesNotHold_IsNotFound()
    {
        var adapter = TwilioSetup.Adapter(sandbox.BaseUrl);

        var answer = await adapter.FetchStatusAsync(TwilioSetup.Delivery() with { ProviderMessageId = "SM" + Guid.NewGuid().ToString("N") }, CancellationToken.None);

        answer.ShouldBe(ProviderStatusAnswer.NotFound);
    }

    [Fact]
    public async Task FetchStatusAsync_TwilioAnswers503_IsUnanswered()
    {
        var adapter = TwilioSetup.Adapter(sandbox.BaseUrl);
        var sid = (await adapter.SendAsync(TwilioSetup.Delivery(), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>().ProviderMessageId;
        await sandbox.SetFaultsAsync("twilio", new { error_rate = 1.0 });

        var answer = await adapter.FetchStatusAsync(TwilioSetup.Delivery() with { ProviderMessageId = sid }, CancellationToken.None);

        answer.ShouldBeOfType<ProviderStatusAnswer.Unanswered>().Detail.ShouldStartWith("503");
    }

    [Fact]
    public async Task FetchStatusAsync_NoMessageId_CannotAsk()
    {
        var adapter = TwilioSetup.Adapter(sandbox.BaseUrl);

        (await adapter.FetchStatusAsync(TwilioSetup.Delivery(), CancellationToken.None)).ShouldBe(ProviderStatusAnswer.CannotAsk);
    }

    [Fact]
    public async Task FetchStatusAsync_NoAnswerInTime_IsUnanswered()
    {
        var sid = (await TwilioSetup.Adapter(sandbox.BaseUrl).SendAsync(TwilioSetup.Delivery(), CancellationToken.None)).ShouldBeOfType<DeliveryOutcome.Sent>().ProviderMessageId;
        await sandbox.SetFaultsAsync("twilio", new { latency_min_ms = 2_000, latency_max_ms = 2_000 });

        var answer = await TwilioSetup.Adapter(sandbox.BaseUrl, TimeSpan.FromMilliseconds(200)).FetchStatusAsync(TwilioSetup.Delivery() with { ProviderMessageId = sid }, CancellationToken.None);

        answer.ShouldBeOfType<ProviderStatusAnswer.Unanswered>();
    }

    [Fact]
    public void Confirm_Settings_DefaultTenMinutesThreeLookUpsAndZeroTurnsItOff()
    {
        TwilioSetup.Adapter(sandbox.BaseUrl).Confirm.ShouldBe(new ConfirmPolicy("sms-twilio", TimeSpan.FromMinutes(10), 3));
        TwilioSetup.Adapter(sandbox.BaseUrl, settings: new Dictionary<string, string?> { ["ConfirmWithin"] = "00:00:02", ["ConfirmLookUps"] = "5" })
            .Confirm.ShouldBe(new ConfirmPolicy("sms-twilio", TimeSpan.FromSeconds(2), 5));
        TwilioSetup.Adapter(sandbox.BaseUrl, settings: new Dictionary<string, string?> { ["ConfirmLookUps"] = "0" }).Confirm.ShouldBeNull();
        Should.Throw<ProviderConfigurationException>(() => TwilioSetup.Adapter(sandbox.BaseUrl, settings: new Dictionary<string, string?> { ["ConfirmWithin"] = "soon" }))
            .Message.ShouldContain("ConfirmWithin");
    }

    private static async Task<ProviderStatusAnswer> PollAsync(Func<Task<ProviderStatusAnswer>> fetch)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var answer = await fetch();
            if (answer is not ProviderStatusAnswer.Pending)
            {
                return answer;
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}
