using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Herald.Server.Api;

/// <summary>
/// Declares the credentials in the OpenAPI document (a bearer API key, a subscriber token header, a stream ticket in
/// the query) and, on each guarded operation, which it takes: the API key with the scope the route's policy names
/// (OpenAPI 3.1 lets a non-OAuth requirement list roles), or on end-user routes the subscriber token with its end-user
/// scope, the key with its scope, and on the feed stream the ticket.
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
            Description = "An end user's subscriber token: a JWT (HS256) with sub (the user id), env, exp and optional scope (space-separated: "
                + string.Join(", ", SubscriberScopes.All) + "; none means all), signed with the environment's subscriber secret; minted by "
                + "POST /api/v1/users/{user_id}/subscriber-token or by your backend. Each operation lists the end-user scope it needs. "
                + "Deprecated while Herald:SubscriberTokens:AcceptLegacy is true: the hex HMAC tokens of earlier releases, and any token in the 'token' query parameter.",
        };
        document.Components.SecuritySchemes[AuthSchemes.StreamTicket] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Query,
            Name = "ticket",
            Description = "A short-lived stream ticket (POST /api/v1/users/{user_id}/feed/stream-ticket), for EventSource, which cannot send headers. The feed stream only.",
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
        if (policy.StartsWith(AuthPolicies.SubscriberPrefix, StringComparison.Ordinal))
        {
            var scopes = policy[AuthPolicies.SubscriberPrefix.Length..].Split('|');
            operation.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(AuthSchemes.SubscriberToken, context.Document)] = [scopes[0]] },
                new OpenApiSecurityRequirement { [key] = [scopes[1]] },
            ];
            if (context.Description.ActionDescriptor.EndpointMetadata.OfType<StreamTicketRoute>().Any())
            {
                operation.Security.Insert(1, new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(AuthSchemes.StreamTicket, context.Document)] = [] });
            }

            return Task.CompletedTask;
        }

        operation.Security = policy == AuthPolicies.AnyKey
            ? [new OpenApiSecurityRequirement { [key] = [] }]
            : [new OpenApiSecurityRequirement { [key] = [policy["scope:".Length..]] }];
        return Task.CompletedTask;
    }
}
