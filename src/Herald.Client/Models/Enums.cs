namespace Herald.Client;

public enum Priority
{
    Normal,
    Urgent,
    Low,
}

public enum Channel
{
    Push,
    Email,
    Sms,
    InApp,
    Webhook,
}
