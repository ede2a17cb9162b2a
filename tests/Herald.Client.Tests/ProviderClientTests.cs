using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Herald.Client.Tests;

/// <summary>Providers, suppressions, the outbox and analytics (HeraldClient.Providers.cs) against the live server.</summary>
public sealed class ProviderClientTests(ClientServerFixture server) : IClassFixture<ClientServerFixture>
{
    private readonly HeraldClient _client = server.NewClient();

    [Fact]
    public async Task ListProvidersAsync_AfterAnSms_CountsTheCallAndTogglesOff()
    {
        var ct = ClientServerFixture.Timeout();
        var eventType = await ClientServerFixture.PublishedTemplateAsync(_client, ct, allChannels: true);
        var user = await UserAsync(ct);
        await ClientServerFixture.SentAsync(_client, new SendNotificationRequest(eventType)
        {
            RecipientId = user, Channels = [Channel.Sms], Data = new JsonObject { ["name"] = "Ada" },
        }, ct);

        var sms = (await _client.ListProvidersAsync(ct)).Where(p => p.Name == ClientServerFixture.SmsProvider).ShouldHaveSingleItem();
        var disabled = await _client.DisableProviderAsync(ClientServerFixture.SmsProvider, ct);
        var enabled = await _client.EnableProviderAsync(ClientServerFixture.SmsProvider, ct);

        sms.Channel.ShouldBe(Channel.Sms);
        sms.Type.ShouldBe("capture");
        sms.Order.ShouldBe(1);
        sms.Enabled.ShouldBeTrue();
        sms.Circuit.ShouldBe("closed");
        sms.Stats.TotalCalls.ShouldBeGreaterThanOrEqualTo(1);
        sms.Stats.RecentCalls.ShouldBeGreaterThanOrEqualTo(1);
        sms.Stats.TotalFailures.ShouldBe(0);
        sms.Stats.ErrorRate.ShouldBe(0);
        disabled.Single(p => p.Name == ClientServerFixture.SmsProvider).Enabled.ShouldBeFalse();
        enabled.Single(p => p.Name == ClientServerFixture.SmsProvider).Enabled.ShouldBeTrue();
    }

    [Fact]
    public async Task DisableProviderAsync_Unknown_Throws404WithTheDetail()
    {
        var ex = await Should.ThrowAsync<HeraldApiException>(() => _client.DisableProviderAsync("no-such-provider", ClientServerFixture.Timeout()));

        ClientServerFixture.ShouldBeNotFound(ex);
        ex.Detail.ShouldBe("provider 'no-such-provider' does not exist");
    }

    [Fact]
    public async Task ListSuppressionsAsync_AfterAnOptOut_ListsRemovesThen404()
    {
        var ct = ClientServerFixture.Timeout();
        var address = $"{ClientServerFixture.NewId("optout")}@example.com";
        var other = $"{ClientServerFixture.NewId("optout")}@example.com";
        await OptOutAsync(address, ct);
        await OptOutAsync(other, ct);

        var listed = await _client.ListSuppressionsAsync(Channel.Email, address, cancellationToken: ct);
        var limited = await _client.ListSuppressionsAsync(Channel.Email, limit: 1, cancellationToken: ct);
        await _client.RemoveSuppressionAsync(Channel.Email, address, ct);
        var again = await Should.ThrowAsync<HeraldApiException>(() => _client.RemoveSuppressionAsync(Channel.Email, address, ct));

        var suppression = listed.ShouldHaveSingleItem();
        suppression.Channel.ShouldBe(Channel.Email);
        suppression.Address.ShouldBe(address);
        suppression.Reason.ShouldBe("opt-out");
        suppression.Source.ShouldBe(ClientServerFixture.MailgunProvider);
        limited.ShouldHaveSingleItem();
        (await _client.ListSuppressionsAsync(Channel.Email, address, cancellationToken: ct)).ShouldBeEmpty();
        (await _client.ListSuppressionsAsync(Channel.Email, other, cancellationToken: ct)).ShouldHaveSingleItem();
        ClientServerFixture.ShouldBeNotFound(again);
        again.Detail.ShouldBe($"suppression 'email/{address}' does not exist");
    }

    [Fact]
    public async Task ListOutboxAsync_EmailSmsAndPush_PagesEveryMessageAsSent()
    {
        var ct = ClientServerFixture.Timeout();
        var eventType = await ClientServerFixture.PublishedTemplateAsync(_client, ct, allChannels: true);
        var user = await UserAsync(ct);
        await _client.AddDeviceAsync(user, new DeviceRequest("fcm-token-" + Guid.NewGuid().ToString("N"), DevicePlatform.Android), ct);
        var sent = await ClientServerFixture.SentAsync(_client, new SendNotificationRequest(eventType)
        {
            RecipientId = user, Channels = [Channel.Email, Channel.Sms, Channel.Push], Data = new JsonObject { ["name"] = "Ada" },
        }, ct);

        var messages = await ClientServerFixture.AllPagesAsync(1, cursor => _client.ListOutboxAsync(recipientId: user, limit: 1, cursor: cursor, cancellationToken: ct),
            page => page.Messages, page => page.NextCursor);
        var sms = await _client.ListOutboxAsync(Channel.Sms, user, cancellationToken: ct);

        messages.Select(m => m.Channel).ShouldBe([Channel.Email, Channel.Sms, Channel.Push], ignoreOrder: true);
        messages.Select(m => m.DeliveryId).ShouldBe(sent.Deliveries.ShouldNotBeNull().Select(d => d.Id), ignoreOrder: true);
        messages.ShouldAllBe(m => m.RecipientId == user);
        var email = messages.Single(m => m.Channel == Channel.Email);
        email.Target.ShouldBe($"{user}@example.com");
        email.Message.ShouldNotBeNull()["subject"]!.GetValue<string>().ShouldBe("Subject Ada");
        sms.Messages.ShouldHaveSingleItem().Target.ShouldBe("+15005550006");
        sms.NextCursor.ShouldBeNull();
    }

    [Fact]
    public async Task ListOutboxAsync_InApp_ThrowsTheValidationProblem()
    {
        var ex = await Should.ThrowAsync<HeraldApiException>(() => _client.ListOutboxAsync(Channel.InApp, cancellationToken: ClientServerFixture.Timeout()));

        ClientServerFixture.ShouldBeValidation(ex, "channel", "'in_app' has no outbox; expected email, sms or push");
    }

    [Fact]
    public async Task GetAnalyticsAsync_AfterTwoSends_CountsThemPerEventTypeAndChannel()
    {
        var ct = ClientServerFixture.Timeout();
        var from = DateTimeOffset.UtcNow.AddMinutes(-1);
        var eventType = await ClientServerFixture.PublishedTemplateAsync(_client, ct, allChannels: true);
        var user = await UserAsync(ct);
        foreach (var channel in new[] { Channel.InApp, Channel.Sms })
        {
            await ClientServerFixture.SentAsync(_client, new SendNotificationRequest(eventType)
            {
                RecipientId = user, Channels = [channel], Data = new JsonObject { ["name"] = "Ada" },
            }, ct);
        }

        var byEvent = await _client.GetAnalyticsAsync(from, groupBy: AnalyticsGroupings.EventType, cancellationToken: ct);
        var byChannel = await _client.GetAnalyticsAsync(from, DateTimeOffset.UtcNow.AddMinutes(1), cancellationToken: ct);

        byEvent.GroupBy.ShouldBe(AnalyticsGroupings.EventType);
        byEvent.From.ShouldBe(from, TimeSpan.FromMilliseconds(1));
        var mine = byEvent.Groups.Where(g => g.Key == eventType).ShouldHaveSingleItem();
        mine.Counts.Total.ShouldBe(2);
        mine.Counts.Sent.ShouldBe(2);
        mine.Counts.Failed.ShouldBe(0);
        mine.LatencyMs.P50.ShouldNotBeNull();
        byEvent.Total.Counts.Total.ShouldBeGreaterThanOrEqualTo(2);
        byChannel.GroupBy.ShouldBe(AnalyticsGroupings.Channel);
        byChannel.Groups.Select(g => g.Key).ShouldContain("in_app");
        byChannel.Groups.Single(g => g.Key == "sms").Counts.Sent.ShouldBeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task GetAnalyticsAsync_UnknownGrouping_ThrowsTheValidationProblem()
    {
        var ex = await Should.ThrowAsync<HeraldApiException>(() => _client.GetAnalyticsAsync(groupBy: "country", cancellationToken: ClientServerFixture.Timeout()));

        ClientServerFixture.ShouldBeValidation(ex, "group_by", "unknown group_by 'country'; expected channel, event_type or provider");
    }

    private async Task<string> UserAsync(CancellationToken ct)
    {
        var user = ClientServerFixture.NewId("provider-user");
        await _client.PutUserAsync(user, new UserRequest { Email = $"{user}@example.com", Phone = "+15005550006" }, ct);
        return user;
    }

    /// <summary>An "unsubscribed" event signed as Mailgun signs it, posted where Mailgun would post it (a vendor's call, not the client's).</summary>
    private async Task OptOutAsync(string address, CancellationToken ct)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(25));
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(ClientServerFixture.MailgunSigningKey), Encoding.UTF8.GetBytes(timestamp + token)));
        var body = new JsonObject
        {
            ["signature"] = new JsonObject { ["timestamp"] = timestamp, ["token"] = token, ["signature"] = signature },
            ["event-data"] = new JsonObject { ["event"] = "unsubscribed", ["recipient"] = address, ["timestamp"] = long.Parse(timestamp, CultureInfo.InvariantCulture) },
        };
        using var http = new HttpClient { BaseAddress = server.Server };
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri($"api/v1/webhooks/{ClientServerFixture.MailgunProvider}", UriKind.Relative), content, ct);
        response.EnsureSuccessStatusCode();
    }
}
