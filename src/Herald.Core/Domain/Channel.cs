namespace Herald.Core.Domain;

/// <summary>A way to reach a person. Wire names are snake_case: push, email, sms, in_app, webhook.</summary>
public enum Channel
{
    Push,
    Email,
    Sms,
    InApp,
    Webhook,
}

/// <summary>Priority lane of a notification. Urgent bypasses opt-outs, quiet hours and caps.</summary>
public enum Priority
{
    Urgent,
    Normal,
    Low,
}

public static class ChannelNames
{
    public static readonly IReadOnlyList<Channel> All = [Channel.Push, Channel.Email, Channel.Sms, Channel.InApp, Channel.Webhook];

    /// <summary>Every lane: channel × priority, 15 in all.</summary>
    public static readonly IReadOnlyList<(Channel Channel, Priority Priority)> Lanes =
        [.. All.SelectMany(c => new[] { Priority.Urgent, Priority.Normal, Priority.Low }.Select(p => (c, p)))];

    public static string ToWire(this Channel channel) => channel switch
    {
        Channel.Push => "push",
        Channel.Email => "email",
        Channel.Sms => "sms",
        Channel.InApp => "in_app",
        Channel.Webhook => "webhook",
        _ => throw new ArgumentOutOfRangeException(nameof(channel)),
    };

    public static bool TryParseChannel(string? value, out Channel channel)
    {
        switch (value)
        {
            case "push": channel = Channel.Push; return true;
            case "email": channel = Channel.Email; return true;
            case "sms": channel = Channel.Sms; return true;
            case "in_app": channel = Channel.InApp; return true;
            case "webhook": channel = Channel.Webhook; return true;
            default: channel = default; return false;
        }
    }

    public static string ToWire(this Priority priority) => priority switch
    {
        Priority.Urgent => "urgent",
        Priority.Normal => "normal",
        Priority.Low => "low",
        _ => throw new ArgumentOutOfRangeException(nameof(priority)),
    };

    public static bool TryParsePriority(string? value, out Priority priority)
    {
        switch (value)
        {
            case "urgent": priority = Priority.Urgent; return true;
            case "normal": priority = Priority.Normal; return true;
            case "low": priority = Priority.Low; return true;
            default: priority = default; return false;
        }
    }
}
