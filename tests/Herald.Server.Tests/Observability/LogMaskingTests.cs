using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Server.Tests.Infrastructure;
using Herald.Testing;

namespace Herald.Server.Tests.Observability;

/// <summary>
/// The real server at Information level (ASP.NET Core's request logs included) handles email, SMS and push for a user
/// whose address, number and device token then appear nowhere in its console output, nor do its secrets; every line is JSON.
/// </summary>
public sealed class LogMaskingTests : IDisposable
{
    private const string Email = "leaky.person@example.org";
    private const string Phone = "+15550142857";
    private const string DeviceToken = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private const string SubscriberSecretValue = HeraldProcess.SubscriberSecret;
    private const string QuerySecret = "q-secret-7a1b2c3d";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "herald-log-masking", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task ConsoleLogs_InformationLevelTraffic_MaskPersonalDataAndSecrets()
    {
        Directory.CreateDirectory(_directory);
        var apiKey = "log-test-key-" + Guid.NewGuid().ToString("N");
        using var herald = new HeraldProcess(Path.Combine(_directory, "herald.db"), apiKey, new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Information",
            ["Herald__Providers__mail__Type"] = "capture",
            ["Herald__Channels__email__Providers"] = "mail",
            ["Herald__Providers__text__Type"] = "capture",
            ["Herald__Channels__sms__Providers"] = "text",
        });
        await herald.StartAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = herald.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);

        await Ok(await http.PutAsync(new Uri("/api/v1/users/log-user", UriKind.Relative), Json(new JsonObject { ["email"] = Email, ["phone"] = Phone })));
        await Ok(await http.PostAsync(new Uri("/api/v1/users/log-user/devices", UriKind.Relative), Json(new JsonObject { ["token"] = DeviceToken, ["platform"] = "android" })), 201);
        await Ok(await http.PostAsync(new Uri("/api/v1/templates", UriKind.Relative), Json(new JsonObject
        {
            ["template_id"] = "log-t",
            ["channels"] = new JsonObject
            {
                ["email"] = new JsonObject { ["subject"] = "Hi", ["html"] = "<p>Hi</p>", ["text"] = "Hi" },
                ["sms"] = new JsonObject { ["body"] = "Hi" },
                ["push"] = new JsonObject { ["title"] = "Hi", ["body"] = "Hi" },
            },
        })), 201);
        await Ok(await http.PostAsync(new Uri("/api/v1/templates/log-t/versions/1/publish", UriKind.Relative), null));
        var sent = await http.PostAsync(new Uri("/api/v1/notifications", UriKind.Relative), Json(new JsonObject { ["event_type"] = "log-t", ["recipient_id"] = "log-user" }));
        var id = (await Ok(sent, 202))["id"]!.GetValue<string>();
        // The address and number in query strings, which ASP.NET Core logs at Information; a secret-looking parameter too.
        await Ok(await http.GetAsync(new Uri($"/api/v1/suppressions?channel=email&address={Uri.EscapeDataString(Email)}", UriKind.Relative)));
        await Ok(await http.GetAsync(new Uri($"/api/v1/suppressions?channel=sms&address={Uri.EscapeDataString(Phone)}&token={QuerySecret}", UriKind.Relative)));
        await Polling.WaitUntilAsync(async () =>
        {
            var n = await (await http.GetAsync(new Uri($"/api/v1/notifications/{id}", UriKind.Relative))).Content.ReadFromJsonAsync<JsonObject>();
            return n!["status"]!.GetValue<string>() == "completed";
        }, TimeSpan.FromSeconds(30), "the notification never completed");
        await Task.Delay(500);
        var output = herald.RecentOutput;
        herald.Kill();

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBeGreaterThan(10);
        foreach (var line in lines)
        {
            Should.NotThrow(() => JsonDocument.Parse(line).Dispose(), $"not JSON: {line}");
        }

        foreach (var secret in new[] { Email, Uri.EscapeDataString(Email), "leaky.person", Phone, Uri.EscapeDataString(Phone), "5550142857", DeviceToken, apiKey, SubscriberSecretValue, QuerySecret })
        {
            output.ShouldNotContain(secret, Case.Insensitive);
        }

        // Not vacuous: the request lines that carried them are in the log, masked, with the request's trace id.
        output.ShouldContain("l***%40example.org");
        output.ShouldContain("%2B1555***57");
        output.ShouldContain("token=***");
        lines.Select(l => JsonNode.Parse(l)!).ShouldContain(l => l["category"]!.GetValue<string>() == "Microsoft.AspNetCore.Hosting.Diagnostics" && l["trace_id"] != null);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleanup.
        }
    }

    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");

    private static async Task<JsonNode> Ok(HttpResponseMessage response, int status = 200)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            ((int)response.StatusCode).ShouldBe(status, text);
            return text.Length > 0 ? JsonNode.Parse(text)! : new JsonObject();
        }
    }
}
