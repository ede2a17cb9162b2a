using System.Text.Json.Nodes;
using Herald.Core.Campaigns;
using Herald.Core.Domain;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Herald.Server.Api;

/// <summary>
/// Makes the document's schemas say what the API does, for clients generated from it. The request records are all-nullable
/// in C# because the endpoints validate them themselves (and answer a 400 problem naming the field), so the generator's
/// defaults say too little: here a schema a request reaches lists the fields a request must carry
/// (<see cref="RequiredInRequests"/>), and those are never null; its optional fields may be left out or sent as null (the
/// endpoints read null as absent, so the document says so). A schema only answers use lists every field as required
/// (Herald writes them all, null included) and keeps the nulls the C# types allow. Fields that take a fixed set refer to named enums
/// (<c>Channel</c>, <c>Priority</c>, <c>DevicePlatform</c>) or carry one (campaign states, subscriber scopes). Problem
/// details say what every Herald problem carries.
/// </summary>
internal sealed class SchemaRules : IOpenApiDocumentTransformer
{
    /// <summary>Every schema a request body reaches, with the fields a request must carry (a test checks none is missing).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> RequiredInRequests = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [nameof(SendRequest)] = ["event_type"],
        [nameof(BatchRequest)] = ["event_type", "recipient_ids"],
        [nameof(EscalationDto)] = ["channel", "after"],
        [nameof(UserRequest)] = [],
        [nameof(PreferencesDto)] = ["rules"],
        [nameof(PreferenceRuleDto)] = [],
        [nameof(QuietHoursDto)] = ["start", "end", "timezone"],
        [nameof(SendWindowDto)] = ["days", "start", "end", "timezone"],
        [nameof(DigestOptionDto)] = ["event_type", "digest_by_default"],
        [nameof(DeviceRequest)] = ["token", "platform"],
        [nameof(SubscriberTokenRequest)] = [],
        [nameof(CampaignRequest)] = ["event_type"],
        [nameof(CampaignRecipientsRequest)] = ["recipient_ids"],
        [nameof(DigestRuleRequest)] = ["template_id"],
        [nameof(TemplateRequest)] = ["template_id", "channels"],
        [nameof(TemplateDedupDto)] = [],
        [nameof(TemplatePromoteRequest)] = ["to"],
        [nameof(PreviewRequest)] = [],
        [nameof(WebhookEndpointRequest)] = ["url"],
        [nameof(WebhookRecoverRequest)] = ["since"],
        [nameof(ApiKeyRequest)] = ["name", "scopes"],
        [nameof(ApiKeyLimitsRequest)] = [],
        [nameof(ApiKeyRotateRequest)] = [],
        [nameof(AppRequest)] = ["name"],
        [nameof(EnvironmentRequest)] = ["app_id", "name"],
        [nameof(LayoutRequest)] = ["html"],
        [nameof(PartialRequest)] = ["source"],
    };

    /// <summary>Framework and free-form schemas, left as the generator made them.</summary>
    private static readonly HashSet<string> Untouched = new(StringComparer.Ordinal) { "ProblemDetails", "HttpValidationProblemDetails", "JsonObject", "JsonNode" };

    public const string ChannelSchema = "Channel";
    public const string PrioritySchema = "Priority";
    public const string PlatformSchema = "DevicePlatform";

    /// <summary>Property (or query and path parameter) names that hold one channel, one priority or one platform.</summary>
    private static readonly Dictionary<string, string> NamedEnums = new(StringComparer.Ordinal)
    {
        ["channel"] = ChannelSchema, ["channels"] = ChannelSchema, ["priority"] = PrioritySchema, ["platform"] = PlatformSchema,
    };

    /// <summary>Fields named like a channel that take something else as well (a preference rule's channel may be <c>*</c>).</summary>
    private static readonly HashSet<string> NotNamedEnums = new(StringComparer.Ordinal) { $"{nameof(PreferenceRuleDto)}.channel" };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var schemas = document.Components?.Schemas;
        if (schemas is null)
        {
            return Task.CompletedTask;
        }

        schemas[ChannelSchema] = Enum("A way to reach a person.", ChannelNames.All.Select(c => c.ToWire()));
        schemas[PrioritySchema] = Enum("A notification's lane: urgent bypasses opt-outs, quiet hours and caps; low is paced behind normal.", ["urgent", "normal", "low"]);
        schemas[PlatformSchema] = Enum("The platform of a push device.", ["ios", "android", "web"]);

        var operations = (document.Paths ?? []).SelectMany(p => p.Value.Operations ?? []).Select(o => o.Value).ToList();
        var inRequests = Reachable(operations.SelectMany(o => o.RequestBody?.Content?.Values ?? []).Select(m => m.Schema), schemas);
        var inAnswers = Reachable(operations.SelectMany(o => o.Responses?.Values ?? Enumerable.Empty<IOpenApiResponse>()).SelectMany(r => r.Content?.Values ?? []).Select(m => m.Schema), schemas);

        foreach (var (name, value) in schemas)
        {
            if (value is not OpenApiSchema schema || schema.Properties is null || Untouched.Contains(name))
            {
                continue;
            }

            var required = inRequests.Contains(name) ? RequiredInRequests.GetValueOrDefault(name, []) : [];
            if (inRequests.Contains(name))
            {
                schema.Required = new HashSet<string>(required, StringComparer.Ordinal);
            }
            else if (inAnswers.Contains(name))
            {
                schema.Required = new HashSet<string>(schema.Properties.Keys, StringComparer.Ordinal);
            }

            foreach (var key in schema.Properties.Keys.ToList())
            {
                var property = schema.Properties[key];
                if (required.Contains(key, StringComparer.Ordinal))
                {
                    property = NotNull(property);
                }

                if (NamedEnums.TryGetValue(key, out var named) && !NotNamedEnums.Contains($"{name}.{key}"))
                {
                    property = WithEnum(property, new OpenApiSchemaReference(named, document));
                }

                schema.Properties[key] = property;
            }
        }

        ClosedSets(schemas);
        Problem(schemas);
        foreach (var (path, item) in document.Paths ?? [])
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
                {
                    if (parameter.Name is not { } n || parameter.Schema is null)
                    {
                        continue;
                    }

                    if (parameter.In is ParameterLocation.Query && NarrowerSets.TryGetValue($"{method.Method} {path} {n}", out var set))
                    {
                        parameter.Schema = Enum(set.Description, set.Values);
                    }
                    else if (parameter.In is ParameterLocation.Query or ParameterLocation.Path && NamedEnums.TryGetValue(n, out var named))
                    {
                        parameter.Schema = WithEnum(parameter.Schema, new OpenApiSchemaReference(named, document));
                    }
                    else if (parameter.In is ParameterLocation.Query && QueryShapes.TryGetValue(n, out var shape))
                    {
                        parameter.Schema = shape();
                    }
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Query parameters the endpoints bind as text (so that bad input gets Herald's own problem answer), described as
    /// what they take.
    /// </summary>
    private static readonly Dictionary<string, Func<OpenApiSchema>> QueryShapes = new(StringComparer.Ordinal)
    {
        ["limit"] = () => new OpenApiSchema
        {
            Type = JsonSchemaType.Integer,
            Format = "int32",
            Description = "Page size: a missing, non-numeric or non-positive one means the endpoint's default, one above its cap the cap.",
        },
        ["from"] = () => new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time", Description = "Start of the range (RFC 3339, with an offset)." },
        ["to"] = () => new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time", Description = "End of the range (RFC 3339, with an offset)." },
    };

    /// <summary>Query parameters of one operation (method, path, name) that take fewer values than their name's enum, or have no enum of their own.</summary>
    private static readonly Dictionary<string, (string Description, string[] Values)> NarrowerSets = new(StringComparer.Ordinal)
    {
        ["GET /api/v1/analytics group_by"] = ("What the groups are (channel when absent).", ["channel", "event_type", "provider"]),
        ["GET /api/v1/outbox channel"] = ("Only this channel's messages (the channels a capture provider serves).",
            [Channel.Email.ToWire(), Channel.Sms.ToWire(), Channel.Push.ToWire()]),
    };

    /// <summary>Inline enums of closed sets that have no schema of their own.</summary>
    private static void ClosedSets(IDictionary<string, IOpenApiSchema> schemas)
    {
        void Set(string schema, string property, IEnumerable<string> values, bool items = false)
        {
            if (schemas.TryGetValue(schema, out var s) && s.Properties?.TryGetValue(property, out var p) == true && p is OpenApiSchema target)
            {
                var at = items ? target.Items as OpenApiSchema : target;
                at?.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
            }
        }

        Set(nameof(CampaignResponse), "status", [CampaignStatus.Scheduled, CampaignStatus.Releasing, CampaignStatus.Released, CampaignStatus.Paused, CampaignStatus.Cancelled]);
        Set(nameof(CampaignResponse), "kind", [CampaignKinds.Campaign, CampaignKinds.TopicSend]);
        Set(nameof(SubscriberTokenRequest), "scopes", SubscriberScopes.All, items: true);
        Set(nameof(SubscriberTokenResponse), "scopes", SubscriberScopes.All, items: true);
    }

    /// <summary>
    /// Herald's problems (Problems.cs, the exception handler, the framework's answers with our types) always carry a type,
    /// a title and a status; input errors add <c>errors</c> (messages per field), and every problem a <c>trace_id</c>.
    /// </summary>
    private static void Problem(IDictionary<string, IOpenApiSchema> schemas)
    {
        if (!schemas.TryGetValue("ProblemDetails", out var found) || found is not OpenApiSchema { Properties: { } properties } problem)
        {
            return;
        }

        problem.Description = "RFC 9457 problem details; `type` is stable per error (https://herald.dev/problems/…).";
        problem.Required = new HashSet<string>(["type", "title", "status"], StringComparer.Ordinal);
        foreach (var name in problem.Required)
        {
            properties[name] = NotNull(properties[name]);
        }

        properties["errors"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "Input errors: the messages per field (a JSON path such as recipient_ids[3]).",
            AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
        };
        properties["trace_id"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The W3C trace id of the request, for the logs." };
    }

    private static OpenApiSchema Enum(string description, IEnumerable<string> values) => new()
    {
        Type = JsonSchemaType.String,
        Description = description,
        Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))],
    };

    /// <summary>The same field without null: a nullable type loses null, a "null or X" choice becomes X.</summary>
    private static IOpenApiSchema NotNull(IOpenApiSchema property)
    {
        if (property is not OpenApiSchema s)
        {
            return property;
        }

        if (s.OneOf is { Count: 2 } one && one.Count(IsNull) == 1 && s.Properties is null && s.Type is null)
        {
            return one.First(o => !IsNull(o));
        }

        if (s.Type is { } type && type.HasFlag(JsonSchemaType.Null) && type != JsonSchemaType.Null)
        {
            s.Type = type & ~JsonSchemaType.Null;
        }

        return s;
    }

    /// <summary>A string field (or a string array's items) becomes the named enum, keeping null where it was allowed.</summary>
    private static IOpenApiSchema WithEnum(IOpenApiSchema property, OpenApiSchemaReference named)
    {
        if (property is not OpenApiSchema s || s.Type is not { } type || s.Enum is { Count: > 0 })
        {
            return property;
        }

        if (type.HasFlag(JsonSchemaType.Array))
        {
            if (s.Items is OpenApiSchema { Type: JsonSchemaType.String })
            {
                s.Items = named;
            }

            return s;
        }

        if ((type & ~JsonSchemaType.Null) != JsonSchemaType.String)
        {
            return property;
        }

        return type.HasFlag(JsonSchemaType.Null)
            ? new OpenApiSchema { OneOf = [new OpenApiSchema { Type = JsonSchemaType.Null }, named], Description = s.Description }
            : named;
    }

    private static bool IsNull(IOpenApiSchema s) => s is OpenApiSchema { Type: JsonSchemaType.Null };

    /// <summary>The component names a set of schemas refers to, directly or through properties, items and choices.</summary>
    private static HashSet<string> Reachable(IEnumerable<IOpenApiSchema?> roots, IDictionary<string, IOpenApiSchema> components)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<IOpenApiSchema>(roots.OfType<IOpenApiSchema>());
        while (pending.TryPop(out var schema))
        {
            if (schema is OpenApiSchemaReference { Reference.Id: { } id })
            {
                if (found.Add(id) && components.TryGetValue(id, out var target))
                {
                    pending.Push(target);
                }

                continue;
            }

            foreach (var next in (schema.Properties?.Values ?? []).Concat(schema.OneOf ?? []).Concat(schema.AnyOf ?? []).Concat(schema.AllOf ?? [])
                .Append(schema.Items).Append(schema.AdditionalProperties).OfType<IOpenApiSchema>())
            {
                pending.Push(next);
            }
        }

        return found;
    }
}
