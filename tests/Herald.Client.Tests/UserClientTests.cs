namespace Herald.Client.Tests;

public sealed class UserClientTests(ClientServerFixture server) : IClassFixture<ClientServerFixture>
{
    private readonly HeraldClient _client = server.NewClient();

    [Fact]
    public async Task PutUserAsync_ThenGet_RoundTrips()
    {
        var ct = ClientServerFixture.Timeout();
        var id = ClientServerFixture.NewId("user");

        await _client.PutUserAsync(id, new UserRequest { Email = "ada@example.com", Locale = "fr-CA", Timezone = "America/Toronto" }, ct);
        var user = await _client.GetUserAsync(id, ct);

        user.UserId.ShouldBe(id);
        user.Email.ShouldBe("ada@example.com");
        user.Locale.ShouldBe("fr-CA");
        user.Timezone.ShouldBe("America/Toronto");
        user.Phone.ShouldBeNull();
    }

    [Fact]
    public async Task PutPreferencesAsync_ThenGet_RoundTrips()
    {
        var ct = ClientServerFixture.Timeout();
        var id = ClientServerFixture.NewId("user");
        var rule = new PreferenceRule
        {
            EventType = "*",
            Channel = "email",
            Enabled = true,
            QuietHours = new QuietHours("22:00", "07:00", "Europe/Paris"),
        };

        await _client.PutPreferencesAsync(id, new Preferences([rule, new PreferenceRule { EventType = "order.*", Channel = "sms", Enabled = false }]), ct);
        var preferences = await _client.GetPreferencesAsync(id, ct);

        preferences.Rules.Count.ShouldBe(2);
        preferences.Rules.ShouldContain(r => r.EventType == "order.*" && r.Channel == "sms" && r.Enabled == false);
        preferences.Rules.Single(r => r.Channel == "email").QuietHours.ShouldBe(rule.QuietHours);
    }

    [Fact]
    public async Task CreateSubscriberTokenAsync_WithScopes_MintsTokenForUser()
    {
        var ct = ClientServerFixture.Timeout();
        var id = ClientServerFixture.NewId("user");

        var token = await _client.CreateSubscriberTokenAsync(id, new SubscriberTokenRequest { TtlSeconds = 600, Scopes = ["feed:read"] }, ct);

        token.UserId.ShouldBe(id);
        token.Token.ShouldNotBeNullOrWhiteSpace();
        token.Scopes.ShouldBe(["feed:read"]);
        token.ExpiresAt.ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddMinutes(9));
    }

    [Fact]
    public async Task EraseUserAsync_UserWithDeviceAndTopic_RemovesThemAndTheUserIsThen404()
    {
        var ct = ClientServerFixture.Timeout();
        var id = ClientServerFixture.NewId("erase");
        await _client.PutUserAsync(id, new UserRequest { Email = "gone@example.com" }, ct);
        await _client.AddDeviceAsync(id, new DeviceRequest("apns-token-0123456789abcdef", DevicePlatform.Ios), ct);
        await _client.SubscribeToTopicAsync(ClientServerFixture.NewId("topic"), id, ct);

        var erased = await _client.EraseUserAsync(id, ct);
        var again = await _client.EraseUserAsync(id, ct);
        var gone = await Should.ThrowAsync<HeraldApiException>(() => _client.GetUserAsync(id, ct));

        erased.UserId.ShouldBe(id);
        erased.Pseudonym.ShouldStartWith("erased-");
        erased.Profile.ShouldBeTrue();
        erased.Devices.ShouldBe(1);
        erased.Subscriptions.ShouldBe(1);
        again.Profile.ShouldBeFalse();
        again.Devices.ShouldBe(0);
        ClientServerFixture.ShouldBeNotFound(gone);
    }

    [Fact]
    public async Task EraseUserAsync_IdTooLong_ThrowsTheValidationProblem()
    {
        var ex = await Should.ThrowAsync<HeraldApiException>(() => _client.EraseUserAsync(new string('x', 256), ClientServerFixture.Timeout()));

        ex.StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);
        ex.Type.ShouldBe("https://herald.dev/problems/validation");
        ex.Errors.Keys.ShouldContain("user_id");
    }

    [Fact]
    public async Task GetHealthAsync_RunningServer_IsOk()
    {
        var health = await server.NewClient(apiKey: null).GetHealthAsync(ClientServerFixture.Timeout());

        health.Status.ShouldBe("ok");
        health.Version.ShouldNotBeNullOrWhiteSpace();
    }
}
