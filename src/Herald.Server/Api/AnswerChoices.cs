using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Herald.Server.Api;

/// <summary>
/// An endpoint that declares two bodies for one status (a send answers 202 with an <c>AcceptedResponse</c> for a
/// recipient, a <c>TopicSendAcceptedResponse</c> for a topic) would otherwise show only the last; here its JSON answer is
/// an <c>anyOf</c> of the named schemas, so a generated client knows both.
/// </summary>
internal sealed class AnswerChoices : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        var choices = context.Description.ActionDescriptor.EndpointMetadata.OfType<IProducesResponseTypeMetadata>()
            .Where(p => p.Type is not null && p.Type != typeof(void) && p.ContentTypes.Contains("application/json"))
            .GroupBy(p => p.StatusCode).Where(g => g.Select(p => p.Type).Distinct().Count() > 1);
        foreach (var choice in choices)
        {
            if (context.Document is not { } document || operation.Responses is null
                || !operation.Responses.TryGetValue(choice.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), out var answer)
                || answer.Content is null || !answer.Content.TryGetValue("application/json", out var json) || json is not OpenApiMediaType media)
            {
                continue;
            }

            var named = new List<IOpenApiSchema>();
            foreach (var type in choice.Select(p => p.Type!).Distinct())
            {
                document.Components ??= new OpenApiComponents();
                document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
                if (!document.Components.Schemas.ContainsKey(type.Name))
                {
                    document.Components.Schemas[type.Name] = await context.GetOrCreateSchemaAsync(type, null, cancellationToken);
                }

                named.Add(new OpenApiSchemaReference(type.Name, document));
            }

            // anyOf, not oneOf: the bodies differ by fields, and a topic answer would also match the recipient one.
            media.Schema = new OpenApiSchema { AnyOf = named };
        }
    }
}
