using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Herald.Server.Api;

/// <summary>
/// Declares the two credentials in the OpenAPI document (a bearer API key, a subscriber token header) and, on each
/// guarded operation, which it takes: the API key with the scope the route's policy names (OpenAPI 3.1 lets a
/// non-OAuth requirement list roles), or for the end-user routes (feed, preferences, devices) either credential.
/// </summary>
internal sealed class SecuritySchemes : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
        document.Components.SecuritySchemes[AuthSchemes.ApiKey] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key (hk_…) as 'Authorization: Bearer <key>'. Each operation lists the scope it needs; 'admin' implies every scope.",
        };
        document.Components.SecuritySchemes[AuthSchemes.SubscriberToken] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = AuthSchemes.SubscriberTokenHeader,
            Description = "An end user's subscriber token for their own feed, preferences and push devices (also accepted as the 'token' query parameter, "
                + "for EventSource). A token that carries scopes reaches only the routes they name: feed:read (the feed), preferences:read or preferences:write "
                + "(reading preferences), preferences:write (changing them), devices:write (listing, registering and removing devices, reporting a push opened).",
        };
        return Task.CompletedTask;
    }

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        var policy = context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null);
        if (policy is null)
        {
            return Task.CompletedTask;
        }

        var key = new OpenApiSecuritySchemeReference(AuthSchemes.ApiKey, context.Document);
        var endUser = AuthPolicies.EndUser.FirstOrDefault(r => AuthPolicies.SubscriberOr(r.KeyScope, r.SubscriberScope) == policy);
        operation.Security = policy switch
        {
            // Either credential: the route's user's subscriber token, or a key with the operator's scope.
            _ when endUser is not null =>
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(AuthSchemes.SubscriberToken, context.Document)] = [] },
                new OpenApiSecurityRequirement { [key] = [endUser.KeyScope] },
            ],
            AuthPolicies.AnyKey => [new OpenApiSecurityRequirement { [key] = [] }],
            _ => [new OpenApiSecurityRequirement { [key] = [policy["scope:".Length..]] }],
        };
        return Task.CompletedTask;
    }
}
