namespace Herald.Core.Domain;

/// <summary>What a provider said when asked whether it has a delivery whose send outcome is unknown.</summary>
public enum LookUpAnswer
{
    /// <summary>It never got the message: resending cannot duplicate it.</summary>
    NotFound,

    /// <summary>It has the message: it counts as sent and is never resent.</summary>
    Found,

    /// <summary>This provider cannot be asked at all (no look-up API): the priority's unknown-outcome policy decides.</summary>
    CannotAsk,

    /// <summary>It can be asked, but this time the look-up failed (5xx, timeout, network): ask again later.</summary>
    Unanswered,
}
