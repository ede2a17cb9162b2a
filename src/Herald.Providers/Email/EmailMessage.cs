using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Herald.Core.Domain;
using Herald.Providers.Abstractions;

namespace Herald.Providers.Email;

/// <summary>
/// One email ready for a vendor: the rendered parts (html already tracked) and the extra headers every email carries
/// (<c>X-Herald-Delivery-Id</c>, and for non-urgent mail the RFC 8058 one-click unsubscribe pair).
/// </summary>
internal sealed record EmailMessage(
    string DeliveryId,
    EmailAddress From,
    EmailAddress? ReplyTo,
    string To,
    string Subject,
    string? Text,
    string? Html,
    IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public const string DeliveryIdHeader = "X-Herald-Delivery-Id";

    /// <summary>The custom argument / user variable that carries our delivery id through vendors' callbacks.</summary>
    public const string DeliveryIdVariable = "herald_delivery_id";
}

/// <summary>Builds an <see cref="EmailMessage"/> from a delivery's rendered content (<c>subject</c>, <c>html</c>, <c>text</c>).</summary>
internal sealed class EmailComposer(EmailSender sender, IEmailTracking tracking)
{
    public EmailSender Sender => sender;

    /// <summary>Composes the message, or says why the content cannot be sent (a permanent problem of this delivery).</summary>
    public bool TryCompose(Delivery delivery, [NotNullWhen(true)] out EmailMessage? message, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        message = null;
        if (!TryReadContent(delivery.Content, out var subject, out var html, out var text, out error))
        {
            return false;
        }

        if (delivery.Target.AsSpan().IndexOfAny('\r', '\n') >= 0 || string.IsNullOrWhiteSpace(delivery.Target))
        {
            error = "the target is not a usable email address";
            return false;
        }

        var headers = new List<KeyValuePair<string, string>>();
        if (tracking.UnsubscribeUrl(delivery) is { } url)
        {
            headers.Add(new("List-Unsubscribe", $"<{OneLine(url)}>"));
            headers.Add(new("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"));
        }

        headers.Add(new(EmailMessage.DeliveryIdHeader, OneLine(delivery.Id)));
        var tracked = html is null ? null : tracking.Track(delivery, html);
        message = new EmailMessage(delivery.Id, sender.From, sender.ReplyTo, delivery.Target.Trim(), OneLine(subject), text, tracked, headers);
        return true;
    }

    private static bool TryReadContent(string content, [NotNullWhen(true)] out string? subject, out string? html, out string? text, [NotNullWhen(false)] out string? error)
    {
        subject = html = text = null;
        error = null;
        try
        {
            using var doc = JsonDocument.Parse(content);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = "email content must be a JSON object";
                return false;
            }

            subject = Text(doc.RootElement, "subject");
            html = Text(doc.RootElement, "html");
            text = Text(doc.RootElement, "text");
        }
        catch (JsonException ex)
        {
            error = $"email content is not valid JSON: {ex.Message}";
            return false;
        }

        if (string.IsNullOrWhiteSpace(subject))
        {
            error = "email content has no subject";
            return false;
        }

        if (html is null && text is null)
        {
            error = "email content has neither html nor text";
            return false;
        }

        return true;
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    /// <summary>Header values are one line: a CR or LF would let content inject headers.</summary>
    private static string OneLine(string value) => value.ReplaceLineEndings(" ").Trim();
}
