using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Herald.Server.Api;

/// <summary>
/// Declares the per-key rate-limit fields in the OpenAPI document: on every answer of an operation that takes an API
/// key, <c>RateLimit-Policy</c> and <c>RateLimit</c> (present when the key is limited), and <c>Retry-After</c> on its 429.
/// </summary>
internal sealed class RateLimitHeaders : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        var guarded = context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Any(a => a.Policy is not null);
        if (!guarded || operation.Responses is null)
        {
            return Task.CompletedTask;
        }

        foreach (var (status, response) in operation.Responses)
        {
            if (response is not OpenApiResponse concrete)
            {
                continue;
            }

            concrete.Headers ??= new Dictionary<string, IOpenApiHeader>(StringComparer.Ordinal);
            concrete.Headers["RateLimit-Policy"] = Header(
                "The calling key's limits when it has any (draft-ietf-httpapi-ratelimit-headers-10), e.g. \"requests\";q=10;w=1, \"notifications\";q=100;w=1");
            concrete.Headers["RateLimit"] = Header("What is left of each limit now and the seconds until it is whole again, e.g. \"requests\";r=9;t=1");
            if (status == "429")
            {
                concrete.Headers["Retry-After"] = Header("Seconds to wait before trying again");
            }
        }

        return Task.CompletedTask;
    }

    private static OpenApiHeader Header(string description) =>
        new() { Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
}
