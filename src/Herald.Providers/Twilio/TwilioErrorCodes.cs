namespace Herald.Providers.Twilio;

/// <summary>Twilio's documented error codes (https://www.twilio.com/docs/api/errors) that change what we do.</summary>
internal static class TwilioErrorCodes
{
    /// <summary>Authenticate: the credentials were refused.</summary>
    public const int Authenticate = 20003;

    /// <summary>Account not active (suspended or closed).</summary>
    public const int AccountNotActive = 20005;

    /// <summary>The requested resource was not found (on Messages.json: the account SID does not exist).</summary>
    public const int NotFound = 20404;

    public const int TooManyRequests = 20429;

    /// <summary>The 'To' number is not a valid phone number.</summary>
    public const int InvalidToNumber = 21211;

    /// <summary>Permission to send an SMS has not been enabled for the region of the 'To' number.</summary>
    public const int RegionNotEnabled = 21408;

    /// <summary>The 'From' number is not a valid, SMS-capable number of this account.</summary>
    public const int InvalidFromNumber = 21606;

    /// <summary>Trial accounts can send to verified numbers only.</summary>
    public const int UnverifiedTrialNumber = 21608;

    /// <summary>The recipient replied STOP: Twilio refuses to message them until they reply START.</summary>
    public const int Unsubscribed = 21610;

    /// <summary>The 'To' number cannot be reached from the 'From' number (no route).</summary>
    public const int NotReachable = 21612;

    /// <summary>The 'To' number is not a mobile number (landline).</summary>
    public const int NotMobile = 21614;

    /// <summary>The body exceeds 1600 characters.</summary>
    public const int BodyTooLong = 21617;
}
