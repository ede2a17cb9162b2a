using Herald.Core.Domain;
using Herald.Providers.Abstractions;

namespace Herald.Providers.Routing;

/// <summary>The provider types <c>Herald:Providers:&lt;name&gt;:Type</c> may name, with the channel each sends.</summary>
public static class ProviderTypes
{
    public sealed record Factory(Channel Channel, Func<ProviderContext, IProviderAdapter> Create);

    public static readonly IReadOnlyDictionary<string, Factory> All = new Dictionary<string, Factory>(StringComparer.Ordinal)
    {
        ["smtp"] = new(Channel.Email, c => new Smtp.SmtpAdapter(c)),
        ["sendgrid"] = new(Channel.Email, c => new SendGrid.SendGridAdapter(c)),
        ["mailgun"] = new(Channel.Email, c => new Mailgun.MailgunAdapter(c)),
        ["twilio"] = new(Channel.Sms, c => new Twilio.TwilioAdapter(c)),
        ["vonage"] = new(Channel.Sms, c => new Vonage.VonageAdapter(c)),
        ["fcm"] = new(Channel.Push, c => new Fcm.FcmAdapter(c)),
        ["apns"] = new(Channel.Push, c => new Apns.ApnsAdapter(c)),
        ["webpush"] = new(Channel.Push, c => new WebPush.WebPushAdapter(c)),
    };
}
