using System.Text.Json.Nodes;
using Herald.Core.Domain;

namespace Herald.Core.Templates;

/// <summary>
/// A template's channel fallback, stored in its document as
/// <c>"fallback": {"chain": ["push", "sms", "email"], "after": {"push": "PT30S", "sms": "PT1M"}}</c>. It applies to every
/// notification of the template whatever its priority, and replaces <c>Herald:Pipeline:FallbackChains</c> and
/// <c>FallbackAfter</c> for them. A channel without an <c>after</c> falls back only when its deliveries end (invalid target,
/// dead, expired), never on a deadline.
/// </summary>
public sealed record TemplateFallback(IReadOnlyList<Channel> Chain, IReadOnlyDictionary<Channel, TimeSpan> After)
{
    /// <summary>The longest a template may wait before falling back.</summary>
    public static readonly TimeSpan MaxAfter = TimeSpan.FromDays(1);

    /// <summary>Parses and validates the <c>fallback</c> member of a template document (null when absent).</summary>
    public static TemplateFallback? Parse(JsonNode? node, string path = "fallback")
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject obj)
        {
            throw new TemplateException(path, "fallback must be an object {\"chain\": [\"push\", \"sms\"], \"after\": {\"push\": \"PT30S\"}}");
        }

        foreach (var (name, _) in obj)
        {
            if (name is not ("chain" or "after"))
            {
                throw new TemplateException($"{path}.{name}", $"unknown fallback setting '{name}'; expected chain or after");
            }
        }

        if (obj["chain"] is not JsonArray list || list.Count < 2)
        {
            throw new TemplateException($"{path}.chain", "fallback chain must list at least two channels in order, e.g. [\"push\", \"sms\", \"email\"]");
        }

        var chain = new List<Channel>(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonValue v || !v.TryGetValue<string>(out var name) || !ChannelNames.TryParseChannel(name, out var channel) || channel == Channel.Webhook)
            {
                throw new TemplateException($"{path}.chain[{i}]", "fallback chain entries must be push, sms, email or in_app");
            }

            if (chain.Contains(channel))
            {
                throw new TemplateException($"{path}.chain[{i}]", $"channel '{name}' is listed twice in the fallback chain");
            }

            chain.Add(channel);
        }

        var after = new Dictionary<Channel, TimeSpan>();
        if (obj["after"] is { } a)
        {
            if (a is not JsonObject map)
            {
                throw new TemplateException($"{path}.after", "fallback after must map a channel of the chain to an ISO 8601 duration, e.g. {\"push\": \"PT30S\"}");
            }

            foreach (var (name, value) in map)
            {
                if (!ChannelNames.TryParseChannel(name, out var channel) || !chain.Contains(channel))
                {
                    throw new TemplateException($"{path}.after.{name}", $"'{name}' is not a channel of the fallback chain");
                }

                if (value is not JsonValue text || !text.TryGetValue<string>(out var s) || !IsoDuration.TryParse(s, out var wait) || wait < TimeSpan.Zero || wait > MaxAfter)
                {
                    throw new TemplateException($"{path}.after.{name}", "fallback after must be an ISO 8601 duration from PT0S to P1D, e.g. PT30S");
                }

                after[channel] = wait;
            }
        }

        return new TemplateFallback(chain, after);
    }
}
