using System.Security.Cryptography;
using System.Text;

namespace Herald.Client.Tests;

/// <summary>Apps, environments and the subscriber secret (HeraldClient.Environments.cs) against the live server.</summary>
public sealed class EnvironmentClientTests(ClientServerFixture server) : IClassFixture<ClientServerFixture>
{
    private readonly HeraldClient _client = server.NewClient();

    [Fact]
    public async Task CreateAppAsync_ThenEnvironment_EachListedAndReadBack()
    {
        var ct = ClientServerFixture.Timeout();
        var name = ClientServerFixture.NewId("app");

        var app = await _client.CreateAppAsync(name, ct);
        var environment = await _client.CreateEnvironmentAsync(app.Id, "production", ct);
        var apps = await _client.ListAppsAsync(ct);
        var ofApp = await _client.ListEnvironmentsAsync(app.Id, ct);
        var all = await _client.ListEnvironmentsAsync(cancellationToken: ct);
        var taken = await Should.ThrowAsync<HeraldApiException>(() => _client.CreateEnvironmentAsync(app.Id, "production", ct));

        app.Id.ShouldStartWith("app_");
        app.Name.ShouldBe(name);
        (await _client.GetAppAsync(app.Id, ct)).ShouldBe(app); // the create's answer is what a read gives (whole milliseconds)
        apps.Where(a => a.Name == name).ShouldHaveSingleItem().ShouldBe(app);
        environment.Id.ShouldStartWith("env_");
        environment.AppId.ShouldBe(app.Id);
        environment.Name.ShouldBe("production");
        (await _client.GetEnvironmentAsync(environment.Id, ct)).ShouldBe(environment);
        ofApp.ShouldHaveSingleItem().ShouldBe(environment);
        all.ShouldContain(environment);
        taken.StatusCode.ShouldBe(System.Net.HttpStatusCode.Conflict);
        taken.Type.ShouldBe("https://herald.dev/problems/environment-exists");
        taken.Detail.ShouldBe($"app '{app.Id}' has an environment named 'production'");
    }

    [Fact]
    public async Task CreateAppAsync_NameTaken_ThrowsTheConflict()
    {
        var ct = ClientServerFixture.Timeout();
        var name = ClientServerFixture.NewId("app");
        await _client.CreateAppAsync(name, ct);

        var ex = await Should.ThrowAsync<HeraldApiException>(() => _client.CreateAppAsync(name, ct));

        ex.StatusCode.ShouldBe(System.Net.HttpStatusCode.Conflict);
        ex.Type.ShouldBe("https://herald.dev/problems/app-exists");
        ex.Detail.ShouldBe($"an app named '{name}' exists");
    }

    [Fact]
    public async Task CreateAppAsync_NameWithASpace_ThrowsTheValidationProblem()
    {
        var ex = await Should.ThrowAsync<HeraldApiException>(() => _client.CreateAppAsync("two words", ClientServerFixture.Timeout()));

        ClientServerFixture.ShouldBeValidation(ex, "name", "'name' must be 1-128 characters of letters, digits, '.', '_', '-' or ':'");
    }

    [Fact]
    public async Task CreateEnvironmentAsync_UnknownApp_Throws404()
    {
        var ex = await Should.ThrowAsync<HeraldApiException>(() => _client.CreateEnvironmentAsync("app_missing", "staging", ClientServerFixture.Timeout()));

        ClientServerFixture.ShouldBeNotFound(ex);
        ex.Detail.ShouldBe("app 'app_missing' does not exist");
    }

    [Fact]
    public async Task GetEnvironmentAsync_Unknown_Throws404()
    {
        var ex = await Should.ThrowAsync<HeraldApiException>(() => _client.GetEnvironmentAsync("env_missing", ClientServerFixture.Timeout()));

        ClientServerFixture.ShouldBeNotFound(ex);
    }

    [Fact]
    public async Task RotateSubscriberSecretAsync_OwnEnvironment_SignsTokensWithTheNewSecret()
    {
        var ct = ClientServerFixture.Timeout();
        var (environment, admin) = await server.EnvironmentWithAdminAsync(_client, ct);
        var user = ClientServerFixture.NewId("user");

        var secret = await admin.GetSubscriberSecretAsync(ct);
        var before = await admin.CreateSubscriberTokenAsync(user, cancellationToken: ct);
        var rotated = await admin.RotateSubscriberSecretAsync(ct);
        var after = await admin.CreateSubscriberTokenAsync(user, cancellationToken: ct);

        secret.Environment.ShouldBe(environment.Id);
        secret.Algorithm.ShouldBe("HS256");
        SignedWith(before.Token, secret.Secret).ShouldBeTrue();
        rotated.Environment.ShouldBe(environment.Id);
        rotated.Secret.ShouldNotBe(secret.Secret);
        (await admin.GetSubscriberSecretAsync(ct)).ShouldBe(rotated);
        SignedWith(after.Token, rotated.Secret).ShouldBeTrue();
        SignedWith(after.Token, secret.Secret).ShouldBeFalse();
    }

    /// <summary>Whether a JWT's HS256 signature is that of <paramref name="secret"/> (its UTF-8 bytes as the key).</summary>
    private static bool SignedWith(string jwt, string secret)
    {
        var parts = jwt.Split('.');
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"));
        return Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_') == parts[2];
    }
}
