using System.Text.Json.Nodes;
using Herald.Core.Audit;
using Herald.Core.Domain;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Herald.Server.Api;

/// <summary>
/// Lists the closed status sets in the OpenAPI document: each route's <c>status</c> query filter and the <c>status</c>
/// properties of notifications and deliveries carry an <c>enum</c>, so a client (the dashboard among them) reads the
/// statuses from the document instead of keeping its own list that drifts. The audit log's closed set of actions is
/// listed the same way (its <c>action</c> filter and property), and so are the scopes an API key may hold (the items of
/// <c>scopes</c> in a key request and a key), which the dashboard's Keys page offers.
/// </summary>
internal sealed class StatusSchemas : IOpenApiOperationTransformer, IOpenApiSchemaTransformer
{
    /// <summary>The routes that take a <c>status</c> filter ("METHOD path"), with the statuses each accepts.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Filters = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        ["GET api/v1/notifications"] = NotificationStatus.All,
    };

    private const string AuditRoute = "GET api/v1/audit";

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        var route = $"{context.Description.HttpMethod} {context.Description.RelativePath?.TrimEnd('/')}";
        if (Filters.TryGetValue(route, out var statuses))
        {
            foreach (var parameter in operation.Parameters ?? [])
            {
                if (parameter is { Name: "status", In: ParameterLocation.Query, Schema: OpenApiSchema schema })
                {
                    schema.Enum = Enum(statuses);
                }
            }
        }

        if (route == AuditRoute)
        {
            foreach (var parameter in operation.Parameters ?? [])
            {
                if (parameter is { Name: "action", In: ParameterLocation.Query, Schema: OpenApiSchema schema })
                {
                    schema.Enum = Enum(AuditActions.All);
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(context);
        if (context.JsonPropertyInfo is { Name: "status" } property)
        {
            var statuses = property.DeclaringType == typeof(NotificationResponse) ? NotificationStatus.All
                : property.DeclaringType == typeof(DeliveryResponse) ? DeliveryStatus.All
                : null;
            if (statuses is not null)
            {
                schema.Enum = Enum(statuses);
            }
        }

        if (context.JsonPropertyInfo is { Name: "action" } action && action.DeclaringType == typeof(AuditEntryResponse))
        {
            schema.Enum = Enum(AuditActions.All);
        }

        // A request may still name a scope by an earlier release's alias (send, read); the enum lists today's names only,
        // which is what an answer carries and what a new client should send.
        if (context.JsonPropertyInfo is { Name: "scopes" } scopes && (scopes.DeclaringType == typeof(ApiKeyRequest) || scopes.DeclaringType == typeof(ApiKeyResponse))
            && schema.Items is OpenApiSchema items)
        {
            items.Enum = Enum(ApiKeys.Scopes);
        }

        return Task.CompletedTask;
    }

    private static List<JsonNode> Enum(IReadOnlyList<string> statuses) => [.. statuses.Select(s => (JsonNode)JsonValue.Create(s))];
}
