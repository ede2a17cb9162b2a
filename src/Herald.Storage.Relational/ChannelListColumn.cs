using System.Globalization;
using Herald.Core.Domain;

namespace Herald.Storage.Relational;

/// <summary>
/// A list of channels in one text column, as both engines store it (a notification's or a digest's channels): the channel
/// numbers joined by commas, NULL for no list.
/// </summary>
public static class ChannelListColumn
{
    public static string? Format(IReadOnlyList<Channel>? channels) => channels is null ? null : string.Join(',', channels.Select(x => (int)x));

    public static List<Channel>? Parse(string? value) =>
        value?.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(x => (Channel)int.Parse(x, CultureInfo.InvariantCulture)).ToList();
}
