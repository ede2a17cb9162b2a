using Herald.Core.Webhooks;
using Herald.Providers.Webhooks;

namespace Herald.Providers.Tests.Webhooks;

public sealed class WebhookHttpHandlerTests
{
    [Fact]
    public void Create_Options_DisablesRedirectsCookiesAndProxyAndInstallsGuard()
    {
        var options = new WebhookOptions { Timeout = TimeSpan.FromSeconds(4) };

        using var handler = WebhookHttpHandler.Create(options);

        handler.AllowAutoRedirect.ShouldBeFalse();
        handler.UseCookies.ShouldBeFalse();
        handler.UseProxy.ShouldBeFalse();
        handler.ConnectTimeout.ShouldBe(TimeSpan.FromSeconds(4));
        handler.ConnectCallback.ShouldNotBeNull();
    }
}
