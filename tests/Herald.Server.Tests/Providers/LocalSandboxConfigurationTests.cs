using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Sandbox.Core;
using Herald.Server.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Herald.Server.Tests.Providers;

/// <summary>
/// The checked-in local development pair: src/Herald.Server/appsettings.Sandbox.json and src/Herald.Sandbox/herald-sandbox.json.
/// Both files are used as they are, except that the fixed ports (5080, 5081, 8080) become the free ports of this run.
/// </summary>
public sealed class LocalSandboxFixture : SandboxedHeraldFixture
{
    protected override bool LocalSandboxConfiguration => true;

    protected override Dictionary<string, string?> SandboxSettings(string publicBaseUrl) =>
        Rewrite(Load("herald-sandbox.json"), null, publicBaseUrl).Where(kv => kv.Key.EndsWith(":CallbackUrl", StringComparison.Ordinal)).ToDictionary();

    protected override Dictionary<string, string?> ProviderSettings(SandboxHost sandbox) => Rewrite(Load("appsettings.Sandbox.json"), sandbox, PublicBaseUrl);

    private static Dictionary<string, string?> Load(string file) =>
        new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, file)).Build().AsEnumerable().Where(kv => kv.Value is not null).ToDictionary();

    private static Dictionary<string, string?> Rewrite(Dictionary<string, string?> settings, SandboxHost? sandbox, string publicBaseUrl) =>
        settings.ToDictionary(kv => kv.Key, kv => kv.Value!
            .Replace("http://127.0.0.1:5080", sandbox?.BaseUrl ?? "http://127.0.0.1:5080", StringComparison.Ordinal)
            .Replace("http://127.0.0.1:5081", sandbox?.Http2BaseUrl ?? "http://127.0.0.1:5081", StringComparison.Ordinal)
            .Replace("http://localhost:8080", publicBaseUrl, StringComparison.Ordinal))!;
}

public sealed class LocalSandboxConfigurationTests(LocalSandboxFixture herald) : IClassFixture<LocalSandboxFixture>
{
    [Fact]
    public async Task Every_channel_and_callback_works_with_the_checked_in_development_configuration()
    {
        await herald.CreateTemplateAsync("local", new JsonObject
        {
            ["email"] = new JsonObject { ["subject"] = "Hello", ["html"] = "<p>Hello</p>", ["text"] = "Hello" },
            ["sms"] = new JsonObject { ["body"] = "Hello" },
            ["push"] = new JsonObject { ["title"] = "Hello", ["body"] = "there" },
        });
        var user = HeraldServerFixture.NewId("local");
        await herald.PutUserAsync(user, email: $"{user}@example.com", phone: "+15553000001");
        var subscription = await herald.SandboxAdmin.PostAsJsonAsync($"{herald.Sandbox.BaseUrl}/_sandbox/webpush/subscriptions", new { });
        var web = (await subscription.Content.ReadFromJsonAsync<JsonObject>())!.ToJsonString();
        foreach (var (token, platform) in new[] { (new string('a', 64), "ios"), ("fcm-token-" + user, "android"), (web, "web") })
        {
            using var device = await herald.Client.PostJsonAsync($"/api/v1/users/{user}/devices", new JsonObject { ["token"] = token, ["platform"] = platform });
            await device.ShouldHaveStatusAsync(201);
        }

        var id = await herald.SendAsync(new JsonObject
        {
            ["event_type"] = "local.check", ["recipient_id"] = user, ["template_id"] = "local", ["channels"] = new JsonArray("email", "sms", "push"),
        });
        var n = await herald.WaitForNotificationAsync(id, x => x["deliveries"]!.AsArray().Count(d => d!.Str("channel") is "email" or "sms" && d!.Str("status") == "delivered") == 2
            && x["deliveries"]!.AsArray().Count(d => d!.Str("channel") == "push" && d!.Str("status") == "sent") == 3, TimeSpan.FromSeconds(20));

        n["deliveries"]!.AsArray().Select(d => d!.Str("provider")).Order().ShouldBe(["email1", "push-android", "push-ios", "push-web", "sms1"]);
    }
}
