
namespace Herald.Core.Campaigns;

/// <summary>Whose users a campaign's audience is: its topic's subscribers and its recipients' profiles are read in one environment.</summary>
public static class CampaignAudience
{
    /// <summary>The environment whose topic subscribers and profiles the campaign's audience reads: the campaign's own.</summary>
    public static string EnvironmentOf(Campaign campaign)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        return campaign.EnvironmentId;
    }
}
