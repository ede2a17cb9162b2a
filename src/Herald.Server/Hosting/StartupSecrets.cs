namespace Herald.Server.Hosting;

/// <summary>
/// Checks the secrets an operator sets before anything else starts. A secret left unset is generated (64 hex characters)
/// and kept in the store, so the quick start needs none; one that is set but empty or short stops start, because an
/// empty subscriber secret lets anyone compute any user's feed token and a short one can be guessed offline.
/// </summary>
internal static class StartupSecrets
{
    /// <summary>The least length of a configured secret or bootstrap key: 32 characters (128 bits as hex).</summary>
    public const int MinimumLength = 32;

    public const string SubscriberSecret = "Herald:Security:SubscriberSecret";
    public const string TrackingSecret = "Herald:Security:TrackingSecret";
    public const string BootstrapKey = "HERALD_BOOTSTRAP_API_KEY";

    /// <exception cref="InvalidOperationException">A secret is set but empty or shorter than <see cref="MinimumLength"/>; the message names it.</exception>
    public static void Validate(IConfiguration configuration)
    {
        Check(SubscriberSecret, configuration[SubscriberSecret]);
        Check(TrackingSecret, configuration[TrackingSecret]);
        Check(BootstrapKey, Environment.GetEnvironmentVariable(BootstrapKey));
    }

    private static void Check(string setting, string? value)
    {
        if (value is null)
        {
            return;
        }

        if (value.Trim().Length < MinimumLength)
        {
            throw new InvalidOperationException(
                $"{setting} is {(string.IsNullOrWhiteSpace(value) ? "empty" : "shorter than " + MinimumLength + " characters")}: set it to at least {MinimumLength} random characters " +
                $"(for example the output of 'openssl rand -hex 32'), or leave it unset so Herald generates one{(setting == BootstrapKey ? " (printed once)" : " and keeps it in the store")}");
        }
    }
}
