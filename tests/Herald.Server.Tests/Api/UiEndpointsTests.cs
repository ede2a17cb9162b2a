using System.Net;
using Herald.Server.Api;
using Herald.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Herald.Server.Tests.Api;

/// <summary>Herald as it runs when deployed: the Production environment, no settings about the UI.</summary>
public sealed class ProductionServerFixture : HeraldServerFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["environment"] = "Production" };
}

public sealed class UiEndpointsTests(ProductionServerFixture server) : IClassFixture<ProductionServerFixture>
{
    [Fact]
    public async Task InboxDemo_ProductionEnvironment_Returns404AndTheComponentStaysServed()
    {
        using var anonymous = server.CreateClient();

        using var demo = await anonymous.GetAsync(new Uri("/inbox/demo", UriKind.Relative));
        using var demoScript = await anonymous.GetAsync(new Uri("/inbox/demo.js", UriKind.Relative));
        using var component = await anonymous.GetAsync(new Uri("/inbox/herald-inbox.js", UriKind.Relative));

        demo.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        demoScript.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        component.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public void AddTransportSecurity_HttpsRequest_SetsStrictTransportSecurity()
    {
        var http = new DefaultHttpContext();
        http.Request.Scheme = "https";

        UiEndpoints.AddTransportSecurity(http);

        http.Response.Headers.StrictTransportSecurity.ToString().ShouldBe("max-age=31536000");
    }

    [Fact]
    public void AddTransportSecurity_PlainHttpRequest_LeavesTheHeaderOut()
    {
        var http = new DefaultHttpContext();
        http.Request.Scheme = "http";

        UiEndpoints.AddTransportSecurity(http);

        http.Response.Headers.ContainsKey("Strict-Transport-Security").ShouldBeFalse();
    }

    [Fact]
    public async Task Dashboard_PlainHttp_HasNoStrictTransportSecurity()
    {
        using var anonymous = server.CreateClient();

        using var index = await anonymous.GetAsync(new Uri("/dashboard/", UriKind.Relative));

        index.StatusCode.ShouldBe(HttpStatusCode.OK);
        index.Headers.Contains("Strict-Transport-Security").ShouldBeFalse();
    }
}
