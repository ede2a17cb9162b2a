using System.Text.Json.Nodes;

namespace Herald.Server.Tests.Api;

/// <summary>
/// The field classes of the bad-input sweep: values that are wrong for a kind of field (a phone number, an email address, a
/// webhook URL, an id, a time, a number, a duration, a template string, a header-bound text), chosen by the field's name
/// and type in the OpenAPI document, and the valid body of each route they are put into one at a time.
/// </summary>
internal static class BadInputClasses
{
    /// <summary>The event type, template, user, topic and campaign the sweep's fixture creates, so valid bodies are accepted.</summary>
    public const string Template = "sweep";

    public const string User = "sweep-user";

    /// <summary>Wrong for an E.164 phone number: no '+', letters, too long, country code 0, spaces and line breaks.</summary>
    public static readonly string[] Phones =
        ["14155550123", "+1415555CALL", "+1234567890123456", "+0123456789", "+", "+1 415 555 0123", "+14155550123\r\n", "++14155550123", "+1-415-555-0123", "+١٤١٥٥٥٥٠١٢٣"];

    /// <summary>Wrong for an email address: no '@', two, line breaks (header injection), over-long parts, blanks.</summary>
    public static readonly string[] Emails =
    [
        "user.example.com", "a@b@example.com", "a@example.com\r\nBcc: victim@example.com", "a\r\n@example.com", "a@exam\nple.com",
        "a@example.com\r", new string('a', 65) + "@example.com", "a@" + new string('b', 250) + ".com", " ", "a @example.com", "@example.com", "a@",
    ];

    /// <summary>
    /// Webhook URLs Herald refuses when it is created (private networks not allowed): loopback, link-local (cloud metadata),
    /// unspecified and mapped addresses in every encoding a URL parser accepts, localhost, credentials (including the
    /// userinfo trick that hides the real host), other schemes, relative and control characters.
    /// </summary>
    public static readonly string[] Urls =
    [
        "http://127.0.0.1/hook", "http://localhost/hook", "http://LOCALHOST./hook", "http://api.localhost/hook", "http://[::1]/hook", "http://0x7f000001/hook",
        "http://2130706433/hook", "http://017700000001/hook", "http://127.1/hook", "http://0177.0.0.1/hook", "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/hook", "http://[::ffff:7f00:1]/hook", "http://0.0.0.0/hook", "http://0/hook", "http://10.0.0.1/hook", "http://192.168.1.1/hook",
        "http://[fd00::1]/hook", "http://[fe80::1]/hook", "http://100.64.0.1/hook", "https://example.com@127.0.0.1/hook", "http://user:pass@example.com/hook",
        "file:///etc/passwd", "gopher://example.com:70/_x", "ftp://example.com/x", "javascript:alert(1)", "//example.com/hook", "/hook", "",
        "https://example.com/a\r\nX-Injected: 1", "https://example.com/\nx", "https://exa mple.com/", "https://example.com/\u0001",
    ];

    /// <summary>Wrong for an id (recipient, idempotency key): blank, control characters and line breaks, longer than 255.</summary>
    public static readonly string[] Ids = ["", "   ", "a\r\nb", "a\rb", "a\nb", "a\u0001b", "a\u007fb", "a\u0085b", new string('x', 256)];

    /// <summary>Wrong for an instant: out of range for a calendar or an offset, and (for what schedules something) far past and future.</summary>
    public static readonly string[] MalformedTimes =
        ["2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-01-01T25:00:00Z", "2026-01-01T00:00:00+25:00", "+010000-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "yesterday"];

    public static readonly string[] FarTimes = ["0001-01-01T00:00:00Z", "1900-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2999-01-01T00:00:00Z"];

    /// <summary>Wrong for an ISO 8601 duration field: negative, huge enough to overflow, units Herald does not take.</summary>
    public static readonly string[] Durations = ["-PT1H", "PT-1S", "P99999999999999D", "PT99999999999999999999S", "P1000Y", "P", "PT", "1h", "P1.5.5D"];

    /// <summary>Out of range for an integer or a rate; the strings are what a lenient number reader might take.</summary>
    public static readonly JsonNode[] Numbers =
        [-1, 0, 2147483648L, -2147483649L, 1e300, -1e300, 1.5, "NaN", "Infinity", "-Infinity", "1e400", "0x10"];

    /// <summary>Template strings that cannot compile: unbalanced, mismatched and unclosed blocks.</summary>
    public static readonly string[] BrokenTemplates = ["{{", "Hi {{name", "{{#each items}}x", "{{#if a}}x{{/each}}", "{{/if}}", "{{{name}}", "{{#each}}{{/each}}"];

    /// <summary>Handlebars syntax as data: always text, never evaluated, whatever it would do as a template.</summary>
    public static readonly string[] HandlebarsData =
        ["{{#each x}}{{#each x}}{{this}}{{/each}}{{/each}}", "{{> partial}}", "{{", "}}{{", "{{#*inline \"p\"}}{{> p}}{{/inline}}{{> p}}", "{{lookup . 'constructor'}}"];

    /// <summary>Line breaks where the text ends up in a header (an email subject).</summary>
    public static readonly string[] HeaderBreaks = ["Hi\r\nBcc: victim@example.com", "Hi\rX: 1", "Hi\nX: 1", "Hi\r\n\r\n<html>"];

    /// <summary>The bad values that fit a field, by its name and type in the OpenAPI document; empty when none does.</summary>
    public static IEnumerable<(string Class, JsonNode? Value)> For(string name, bool number, bool integer = true)
    {
        IEnumerable<(string, JsonNode?)> Of(string kind, IEnumerable<string> values) => values.Select(v => (kind, (JsonNode?)JsonValue.Create(v)));
        if (number)
        {
            // A fraction is a fine rate (notifications per second), not a fine count or version.
            return Numbers.Where(n => integer || n.ToJsonString() != "1.5").Select(n => ("number", (JsonNode?)n.DeepClone()));
        }

        return name switch
        {
            "phone" => Of("E.164", Phones),
            "email" => Of("email", Emails),
            "url" => Of("SSRF url", Urls),
            "recipient_id" or "idempotency_key" or "recipient_ids" => Of("id", Ids),
            "scheduled_at" or "expires_at" => Of("time", MalformedTimes.Concat(FarTimes)),
            "since" or "until" => Of("time", MalformedTimes),
            "after" or "window" => Of("duration", Durations),
            _ => [],
        };
    }

    /// <summary>
    /// A valid body per route (method and OpenAPI path), with every field the classes fit: the sweep puts one bad value into a
    /// copy at a time, so each case differs from an accepted request in that value only. <paramref name="fresh"/> makes the
    /// ids of a body that creates something unique (the control test sends them).
    /// </summary>
    public static JsonObject? ValidBody(string route, string fresh, DateTimeOffset now)
    {
        string At(TimeSpan from) => (now + from).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        JsonObject Data() => new() { ["name"] = "n" };
        JsonObject Channels() => new()
        {
            ["in_app"] = new JsonObject { ["title"] = "Hi {{name}}", ["body"] = "b" },
            ["email"] = new JsonObject { ["subject"] = "Subject {{name}}", ["text"] = "Hi {{name}}" },
        };
        JsonObject Definition(string id) => new()
        {
            ["template_id"] = id, ["description"] = "d", ["variables"] = new JsonArray("name"), ["channels"] = Channels(),
            ["dedup"] = new JsonObject { ["window"] = "PT1M", ["urgent"] = false },
        };
        return route switch
        {
            "POST /api/v1/notifications" => new()
            {
                ["event_type"] = Template, ["recipient_id"] = "r-" + fresh, ["priority"] = "normal", ["channels"] = new JsonArray("in_app"), ["template_id"] = Template,
                ["template_version"] = 1, ["data"] = Data(), ["idempotency_key"] = "k-" + fresh, ["scheduled_at"] = At(TimeSpan.FromHours(1)),
                ["expires_at"] = At(TimeSpan.FromDays(2)), ["escalation"] = new JsonArray(new JsonObject { ["channel"] = "email", ["after"] = "PT15M" }),
            },
            "POST /api/v1/notifications/batch" => new()
            {
                ["event_type"] = Template, ["recipient_ids"] = new JsonArray("a-" + fresh, "b-" + fresh), ["priority"] = "low", ["channels"] = new JsonArray("in_app"),
                ["template_id"] = Template, ["template_version"] = 1, ["data"] = Data(), ["idempotency_key"] = "k-" + fresh, ["scheduled_at"] = At(TimeSpan.FromHours(1)),
                ["expires_at"] = At(TimeSpan.FromDays(2)), ["escalation"] = new JsonArray(new JsonObject { ["channel"] = "email", ["after"] = "PT15M" }),
            },
            "PUT /api/v1/users/{user_id}" => new() { ["email"] = "someone@example.com", ["phone"] = "+14155550123", ["locale"] = "fr-CA", ["timezone"] = "Europe/Paris" },
            "PUT /api/v1/users/{user_id}/preferences" => new()
            {
                ["rules"] = new JsonArray(new JsonObject
                {
                    ["event_type"] = Template, ["channel"] = "email", ["enabled"] = true, ["frequency_cap"] = 3,
                    ["quiet_hours"] = new JsonObject { ["start"] = "22:00", ["end"] = "07:00", ["timezone"] = "Europe/Paris" },
                }, new JsonObject { ["event_type"] = Template, ["channel"] = "*", ["enabled"] = true, ["digest"] = true }),
                ["digest_options"] = new JsonArray(new JsonObject { ["event_type"] = Template, ["digest_by_default"] = false }),
            },
            "POST /api/v1/users/{user_id}/devices" => new() { ["token"] = "tok-" + fresh, ["platform"] = "ios", ["app_version"] = "1.0" },
            "POST /api/v1/users/{user_id}/subscriber-token" => new() { ["ttl_seconds"] = 600, ["scopes"] = new JsonArray("feed:read", "preferences:write") },
            "POST /api/v1/campaigns" => new()
            {
                ["name"] = "sweep-" + fresh, ["event_type"] = Template, ["template_id"] = Template, ["template_version"] = 1, ["channels"] = new JsonArray("in_app"), ["data"] = Data(),
                ["recipient_ids"] = new JsonArray("a-" + fresh), ["scheduled_at"] = At(TimeSpan.FromDays(1)), ["rate"] = 10, ["expires_at"] = At(TimeSpan.FromDays(2)),
                ["idempotency_key"] = "k-" + fresh,
            },
            "POST /api/v1/campaigns/{id}/recipients" => new() { ["recipient_ids"] = new JsonArray("c-" + fresh) },
            "PUT /api/v1/digest-rules/{event_type}" => new()
            {
                ["window"] = "PT1H", ["max_items"] = 10, ["group_by"] = "order.id", ["template_id"] = Template, ["fold_rate_limited"] = false, ["batch"] = true,
            },
            "POST /api/v1/templates" => Definition("sweep-" + fresh),
            "PUT /api/v1/layouts/{layout_id}" => new() { ["html"] = "<main>{{{body}}}</main>", ["text"] = "{{body}}", ["description"] = "d" },
            "PUT /api/v1/partials/{name}" => new() { ["source"] = "<p>{{name}}</p>" },
            "POST /api/v1/templates/{template_id}/promote" => new() { ["version"] = 1, ["to"] = "env_default" },
            "POST /api/v1/templates/{template_id}/preview" => new() { ["channel"] = "email", ["locale"] = "en", ["data"] = Data(), ["definition"] = Definition(Template) },
            "POST /api/v1/webhook-endpoints" => new()
            {
                ["url"] = "https://example.com/hooks/" + fresh, ["event_types"] = new JsonArray("sweep.*"), ["description"] = "d", ["recipient_id"] = "r-" + fresh,
            },
            "POST /api/v1/keys" => new()
            {
                ["name"] = "sweep-" + fresh, ["scopes"] = new JsonArray("notifications:read"), ["expires_at"] = At(TimeSpan.FromDays(30)), ["requests_per_second"] = 100,
                ["notifications_per_second"] = 1000, ["environment"] = "env_default",
            },
            "PATCH /api/v1/keys/{id}" => new() { ["requests_per_second"] = 200, ["notifications_per_second"] = 2000 },
            "POST /api/v1/apps" => new() { ["name"] = "sweep-" + fresh },
            "POST /api/v1/environments" => new() { ["app_id"] = "app_default", ["name"] = "sweep-" + fresh },
            "POST /api/v1/keys/{id}/rotate" => new() { ["overlap_seconds"] = 60 },
            "POST /api/v1/webhook-endpoints/{id}/recover" => new() { ["since"] = At(TimeSpan.FromHours(-1)), ["until"] = At(TimeSpan.Zero) },
            _ => null,
        };
    }

    /// <summary>Template strings inside free-form objects the OpenAPI document cannot name: (route, path, classes).</summary>
    public static IEnumerable<(string Route, string[] Path, string Class, string[] Values)> TemplateParts()
    {
        foreach (var (route, prefix) in new[] { ("POST /api/v1/templates", Array.Empty<string>()), ("POST /api/v1/templates/{template_id}/preview", ["definition"]) })
        {
            yield return (route, [.. prefix, "channels", "email", "subject"], "header break", HeaderBreaks);
            yield return (route, [.. prefix, "channels", "email", "subject"], "broken template", BrokenTemplates);
            yield return (route, [.. prefix, "channels", "in_app", "title"], "broken template", BrokenTemplates);
        }
    }
}
