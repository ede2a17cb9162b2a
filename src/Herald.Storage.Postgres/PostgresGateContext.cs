using Herald.Core.Domain;
using Herald.Core.Preferences;
using Herald.Core.Storage;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Gate reads inside the claim transaction, the same queries as the SQLite store's. They are exact because the claim
/// holds a transaction-level advisory lock per recipient and channel before the gate runs, and READ COMMITTED gives every
/// statement a snapshot taken after that lock was granted. <see cref="IGateContext"/> is synchronous, so these are
/// synchronous calls on the claim's own connection.
/// </summary>
internal sealed class PostgresGateContext(NpgsqlConnection c, NpgsqlTransaction tx, Action<string, Channel>? beforeDeliveryRead = null) : IGateContext
{
    private readonly Dictionary<string, IReadOnlyList<PreferenceRule>> _rules = new(StringComparer.Ordinal);
    private readonly Dictionary<(Channel, string), string?> _suppressions = [];

    private const string SendingStatuses = "('sending', 'sent', 'delivered', 'opened', 'clicked', 'unknown')";

    /// <summary>Reads the rules and suppressions of a whole claim batch in two statements instead of two per delivery.</summary>
    public void Preload(IReadOnlyList<Delivery> candidates)
    {
        var users = candidates.Select(d => d.RecipientId).Where(u => !_rules.ContainsKey(u)).Distinct(StringComparer.Ordinal).ToArray();
        if (users.Length > 0)
        {
            foreach (var u in users)
            {
                _rules[u] = [];
            }

            using var rules = c.Command("SELECT user_id, preferences FROM users WHERE user_id = ANY(@u) AND preferences IS NOT NULL", tx).With("u", users);
            using var reader = rules.ExecuteReader();
            while (reader.Read())
            {
                _rules[reader.GetString(0)] = StoreJson.Rules(reader.GetString(1));
            }
        }

        var addresses = candidates.Select(d => (d.Channel, d.Target)).Where(k => !_suppressions.ContainsKey(k)).Distinct().ToArray();
        if (addresses.Length > 0)
        {
            foreach (var k in addresses)
            {
                _suppressions[k] = null;
            }

            using var suppressed = c.Command("""
                SELECT s.channel, s.address, s.reason FROM suppressions s
                JOIN unnest(@c::integer[], @a::text[]) AS x(ch, addr) ON s.channel = x.ch AND s.address = x.addr
                """, tx).With("c", addresses.Select(k => (int)k.Channel).ToArray()).With("a", addresses.Select(k => k.Target).ToArray());
            using var reader = suppressed.ExecuteReader();
            while (reader.Read())
            {
                _suppressions[((Channel)reader.GetInt32(0), reader.GetString(1))] = reader.GetString(2);
            }
        }
    }

    public IReadOnlyList<PreferenceRule> Rules(string userId)
    {
        if (!_rules.TryGetValue(userId, out var rules))
        {
            using var cmd = c.Command("SELECT preferences FROM users WHERE user_id = @u", tx).With("u", userId);
            rules = cmd.ExecuteScalar() is string json ? StoreJson.Rules(json) : [];
            _rules[userId] = rules;
        }

        return rules;
    }

    public IReadOnlyList<DateTimeOffset> RecentSends(string recipientId, Channel channel, DateTimeOffset since, string? eventTypePattern = null)
    {
        beforeDeliveryRead?.Invoke(recipientId, channel);
        var (filter, value) = eventTypePattern switch
        {
            null or "*" => ("", null),
            _ when eventTypePattern.EndsWith(".*", StringComparison.Ordinal) => (" AND event_type LIKE @e ESCAPE '\\'", Escape(eventTypePattern[..^1]) + "%"),
            _ => (" AND event_type = @e", eventTypePattern),
        };
        using var cmd = c.Command($"""
            SELECT claimed_at FROM deliveries
            WHERE recipient_id = @r AND channel = @c AND claimed_at > @since AND status IN {SendingStatuses}{filter}
            ORDER BY claimed_at
            """, tx).With("r", recipientId).With("c", (int)channel).With("since", since.Ms());
        if (value is not null)
        {
            cmd.With("e", value);
        }

        using var reader = cmd.ExecuteReader();
        var sends = new List<DateTimeOffset>();
        while (reader.Read())
        {
            sends.Add(reader.Time(0));
        }

        return sends;
    }

    public string? Suppression(Channel channel, string address)
    {
        if (_suppressions.TryGetValue((channel, address), out var reason))
        {
            return reason;
        }

        using var cmd = c.Command("SELECT reason FROM suppressions WHERE channel = @c AND address = @a", tx).With("c", (int)channel).With("a", address);
        return cmd.ExecuteScalar() as string;
    }

    public DateTimeOffset? InAppReadAt(string notificationId)
    {
        using var cmd = c.Command("SELECT min(read_at) FROM feed WHERE notification_id = @n AND read_at IS NOT NULL", tx).With("n", notificationId);
        return cmd.ExecuteScalar() is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    public bool SentSameContent(string recipientId, Channel channel, string contentHash, string notificationId, DateTimeOffset since)
    {
        beforeDeliveryRead?.Invoke(recipientId, channel);
        using var cmd = c.Command($"""
            SELECT 1 FROM deliveries
            WHERE recipient_id = @r AND channel = @c AND claimed_at > @since AND content_hash = @h AND notification_id <> @n
              AND status IN {SendingStatuses}
            LIMIT 1
            """, tx).With("r", recipientId).With("c", (int)channel).With("since", since.Ms()).With("h", contentHash).With("n", notificationId);
        return cmd.ExecuteScalar() is not null;
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
