using System.Globalization;
using Herald.Core.Domain;

namespace Herald.Storage.Relational;

/// <summary>A digest's channels as both engines store them: channel numbers, comma-separated (null: the rule's default channels).</summary>
public static class DigestChannelList
{
    public static string? Format(IReadOnlyList<Channel>? channels) => channels is null ? null : string.Join(',', channels.Select(x => (int)x));

    public static List<Channel>? Parse(string? value) =>
        value?.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(x => (Channel)int.Parse(x, CultureInfo.InvariantCulture)).ToList();
}
