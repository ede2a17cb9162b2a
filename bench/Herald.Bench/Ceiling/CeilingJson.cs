using System.Text.Json.Serialization;

namespace Herald.Bench.Ceiling;

/// <summary>The send request, single (<c>recipient_id</c>) or batched (<c>recipient_ids</c>).</summary>
internal sealed record NotificationRequest(
    string? EventType, string? RecipientId, IReadOnlyList<string>? RecipientIds, string? TemplateId, IReadOnlyDictionary<string, string>? Data);

internal sealed record NotificationAccepted(string Id, string Status);

/// <summary>A SendGrid-like v3 mail send body.</summary>
internal sealed record MailSend(
    IReadOnlyList<Personalization> Personalizations, MailAddress From, string Subject, IReadOnlyList<MailContent> Content,
    IReadOnlyDictionary<string, string> CustomArgs);

internal sealed record Personalization(IReadOnlyList<MailAddress> To);

internal sealed record MailAddress(string Email, string? Name);

internal sealed record MailContent(string Type, string Value);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(NotificationRequest))]
[JsonSerializable(typeof(NotificationAccepted))]
[JsonSerializable(typeof(MailSend))]
internal sealed partial class CeilingJson : JsonSerializerContext;
