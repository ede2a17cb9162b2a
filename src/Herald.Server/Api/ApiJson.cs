using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Server.Api;

/// <summary>Source-generated JSON for the API: snake_case, unknown fields rejected so typos don't pass silently.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(SendRequest))]
[JsonSerializable(typeof(ProvidersResponse))]
[JsonSerializable(typeof(SuppressionPage))]
[JsonSerializable(typeof(CallbackAcceptedResponse))]
[JsonSerializable(typeof(BatchRequest))]
[JsonSerializable(typeof(AcceptedResponse))]
[JsonSerializable(typeof(BatchAcceptedResponse))]
[JsonSerializable(typeof(NotificationResponse))]
[JsonSerializable(typeof(NotificationPage))]
[JsonSerializable(typeof(UserRequest))]
[JsonSerializable(typeof(UserResponse))]
[JsonSerializable(typeof(ErasureResponse))]
[JsonSerializable(typeof(TopicSubscribersPage))]
[JsonSerializable(typeof(TopicSendAcceptedResponse))]
[JsonSerializable(typeof(CampaignRequest))]
[JsonSerializable(typeof(CampaignRecipientsRequest))]
[JsonSerializable(typeof(CampaignRecipientsResponse))]
[JsonSerializable(typeof(CampaignResponse))]
[JsonSerializable(typeof(DigestRuleRequest))]
[JsonSerializable(typeof(DigestRuleResponse))]
[JsonSerializable(typeof(DigestRuleList))]
[JsonSerializable(typeof(PreferencesDto))]
[JsonSerializable(typeof(DeviceRequest))]
[JsonSerializable(typeof(DeviceResponse))]
[JsonSerializable(typeof(TemplateRequest))]
[JsonSerializable(typeof(TemplateCreatedResponse))]
[JsonSerializable(typeof(TemplatePromoteRequest))]
[JsonSerializable(typeof(TemplatePromotedResponse))]
[JsonSerializable(typeof(TemplateResponse))]
[JsonSerializable(typeof(TemplateListResponse))]
[JsonSerializable(typeof(PreviewRequest))]
[JsonSerializable(typeof(PreviewResponse))]
[JsonSerializable(typeof(LayoutRequest))]
[JsonSerializable(typeof(LayoutResponse))]
[JsonSerializable(typeof(LayoutList))]
[JsonSerializable(typeof(PartialRequest))]
[JsonSerializable(typeof(PartialResponse))]
[JsonSerializable(typeof(PartialList))]
[JsonSerializable(typeof(FeedItemResponse))]
[JsonSerializable(typeof(FeedResponse))]
[JsonSerializable(typeof(UnreadCountResponse))]
[JsonSerializable(typeof(MarkAllReadResponse))]
[JsonSerializable(typeof(WebhookEndpointRequest))]
[JsonSerializable(typeof(WebhookEndpointResponse))]
[JsonSerializable(typeof(WebhookEndpointPage))]
[JsonSerializable(typeof(WebhookRecoverRequest))]
[JsonSerializable(typeof(WebhookRecoverResponse))]
[JsonSerializable(typeof(DeviceList))]
[JsonSerializable(typeof(KeyResponse))]
[JsonSerializable(typeof(ApiKeyRequest))]
[JsonSerializable(typeof(ApiKeyRotateRequest))]
[JsonSerializable(typeof(ApiKeyLimitsRequest))]
[JsonSerializable(typeof(ApiKeyLimitsPatch))]
[JsonSerializable(typeof(ApiKeyResponse))]
[JsonSerializable(typeof(ApiKeySecretResponse))]
[JsonSerializable(typeof(ApiKeyList))]
[JsonSerializable(typeof(AppRequest))]
[JsonSerializable(typeof(AppResponse))]
[JsonSerializable(typeof(AppList))]
[JsonSerializable(typeof(EnvironmentRequest))]
[JsonSerializable(typeof(EnvironmentResponse))]
[JsonSerializable(typeof(EnvironmentList))]
[JsonSerializable(typeof(SubscriberTokenResponse))]
[JsonSerializable(typeof(SubscriberTokenRequest))]
[JsonSerializable(typeof(StreamTicketResponse))]
[JsonSerializable(typeof(SubscriberSecretResponse))]
[JsonSerializable(typeof(DeadLetterPage))]
[JsonSerializable(typeof(AuditPage))]
[JsonSerializable(typeof(ReplayResponse))]
[JsonSerializable(typeof(OutboxPage))]
[JsonSerializable(typeof(AnalyticsResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(ProblemDetails))]
[JsonSerializable(typeof(HttpValidationProblemDetails))]
internal sealed partial class ApiJson : JsonSerializerContext
{
    /// <summary>Options for ASP.NET Core's writers (results, problem details).</summary>
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        // Numbers are numbers, as RequestBody reads them (the web default also reads "5"): the OpenAPI schemas say so too.
        options.NumberHandling = JsonNumberHandling.Strict;
        options.TypeInfoResolverChain.Insert(0, Default);
    }
}
