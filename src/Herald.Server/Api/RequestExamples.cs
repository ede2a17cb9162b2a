using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Herald.Server.Api;

/// <summary>
/// Example bodies of the main requests, by operationId, shown by the API reference and its "try it". They are one story
/// (the README's quick start): a template, a user, a send to that user with that template, a batch, a key; a test sends
/// them in that order to a real server and expects each accepted, so they stay true.
/// </summary>
internal sealed class RequestExamples : IOpenApiDocumentTransformer
{
    public static readonly IReadOnlyDictionary<string, string> Examples = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["createTemplate"] = """
            {"template_id": "order.shipped", "description": "Tells a customer their order left the warehouse",
             "variables": ["name", "order.id"],
             "channels": {
               "in_app": {"title": "Shipped", "body": "Order {{order.id}} is on its way"},
               "email": {"subject": "Order {{order.id}} shipped", "html": "<p>Hi {{name}}</p>", "text": "Hi {{name}}"},
               "sms": {"body": "Order {{order.id}} shipped"}},
             "locales": {"fr": {"sms": {"body": "Commande {{order.id}} expédiée"}}}}
            """,
        ["putUser"] = """
            {"email": "alice@example.com", "phone": "+14155550123", "locale": "fr-CA", "timezone": "America/Los_Angeles"}
            """,
        ["sendNotification"] = """
            {"event_type": "order.shipped", "recipient_id": "u1", "data": {"name": "Alice", "order": {"id": "A1"}},
             "idempotency_key": "order-A1-shipped"}
            """,
        ["sendNotificationBatch"] = """
            {"event_type": "order.shipped", "recipient_ids": ["u1", "u2", "u3"], "priority": "normal", "channels": ["in_app", "email"],
             "data": {"name": "customer", "order": {"id": "A2"}}, "idempotency_key": "order-A2-shipped"}
            """,
        ["createApiKey"] = """
            {"name": "checkout service", "scopes": ["notifications:send", "notifications:read"], "requests_per_second": 50}
            """,
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        foreach (var operation in (document.Paths ?? []).SelectMany(p => p.Value.Operations ?? []).Select(o => o.Value))
        {
            if (operation.OperationId is { } id && Examples.TryGetValue(id, out var example)
                && operation.RequestBody?.Content?.TryGetValue("application/json", out var media) == true && media is OpenApiMediaType concrete)
            {
                concrete.Example = JsonNode.Parse(example);
            }
        }

        return Task.CompletedTask;
    }
}
