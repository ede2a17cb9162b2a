using Herald.Core.Domain;

namespace Herald.Core.Campaigns;

/// <summary>Whose users a campaign's audience is: its topic's subscribers and its recipients' profiles are read in one environment.</summary>
public static class CampaignAudience
{
    /// <summary>The environment whose topic subscribers and profiles the campaign's audience reads: the campaign's own.</summary>
    /// <remarks>
    /// TODO(#18): the campaign's own environment once campaigns carry one (the campaigns part of issue 18 adds it to
    /// <see cref="Campaign"/>); until then every campaign, like every key, is the default environment's.
    /// </remarks>
    public static string EnvironmentOf(Campaign campaign)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        return Environments.Default;
    }
}
