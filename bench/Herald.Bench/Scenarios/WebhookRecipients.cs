using System.Globalization;
using Herald.Bench.Infrastructure;
using Herald.Bench.Load;

namespace Herald.Bench.Scenarios;

/// <summary>The recipients of the webhook ladder, each with one enabled endpoint at the loopback receiver.</summary>
internal static class WebhookRecipients
{
    public const string Prefix = "w";

    /// <summary>Recipients w0 … w999: each batch of 100 names one tenth of them, so every endpoint gets work at every rate.</summary>
    public const int Count = 1_000;

    /// <summary>Creates the endpoints through Herald's API and gives the receiver their secrets; names are unique per deployment.</summary>
    public static async Task RegisterAsync(Deployment herald, WebhookReceiver receiver, string deployment, Action<string> status, CancellationToken ct)
    {
        status($"{herald.Description}: registering {Count:#,0} webhook endpoints");
        await Parallel.ForEachAsync(Enumerable.Range(0, Count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
        {
            var recipient = Prefix + i.ToString(CultureInfo.InvariantCulture);
            var name = $"{deployment}-{recipient}";
            receiver.Register(name, await herald.CreateWebhookEndpointAsync(recipient, receiver.Address(name), token));
        });
    }
}
