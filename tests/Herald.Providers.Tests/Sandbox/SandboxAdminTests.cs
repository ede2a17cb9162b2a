using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Providers.Tests.Infrastructure;

namespace Herald.Providers.Tests.Sandbox;

public sealed class SandboxAdminTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    [Fact]
    public async Task Serves_both_listeners_and_lists_vendors()
    {
        var info = await sandbox.Admin.GetFromJsonAsync<JsonObject>($"{sandbox.BaseUrl}/_sandbox/");
        info!["vendors"].ShouldNotBeNull();
        sandbox.Http2BaseUrl.ShouldNotBe(sandbox.BaseUrl);
        using var h2 = new HttpRequestMessage(HttpMethod.Get, $"{sandbox.Http2BaseUrl}/_sandbox/") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await sandbox.Admin.SendAsync(h2);
        response.Version.ShouldBe(HttpVersion.Version20);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Refuses_fault_plans_with_rates_out_of_range_or_unknown_vendors()
    {
        (await sandbox.Admin.PutAsJsonAsync($"{sandbox.BaseUrl}/_sandbox/faults/*", new { error_rate = 1.5 })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await sandbox.Admin.PutAsJsonAsync($"{sandbox.BaseUrl}/_sandbox/faults/nope", new { error_rate = 0.5 })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await sandbox.Admin.PutAsJsonAsync($"{sandbox.BaseUrl}/_sandbox/faults/*", new { error_rate = 0.5 })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var faults = await sandbox.Admin.GetFromJsonAsync<JsonObject>($"{sandbox.BaseUrl}/_sandbox/faults");
        faults!["*"]!["error_rate"]!.GetValue<double>().ShouldBe(0.5);
        await sandbox.ClearFaultsAsync();
    }
}
