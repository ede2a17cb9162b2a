using System.Globalization;
using Herald.Core.Audit;
using Herald.Core.Digests;
using Herald.Core.Domain;
using Herald.Core.Pipeline;
using Herald.Core.Preferences;
using Herald.Core.Storage;
using Herald.Core.Tracking;

namespace Herald.Server.Api;

internal static class UsersEndpoints
{
    public static void MapUsers(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/users/{user_id}").WithTags("Users");
        group.MapPut("/", PutUserAsync).RequireScope(ApiKeys.UsersWrite).Accepts<UserRequest>("application/json").Produces<UserResponse>().ProducesProblem(400);
        group.MapDelete("/", EraseAsync).RequireScope(ApiKeys.Admin).Produces<ErasureResponse>().ProducesProblem(400)
            .WithSummary("Right to erasure: deletes the user's profile, preferences, devices, feed and endpoints, cancels unsent work and anonymises delivery records");
        group.MapGet("/", GetUserAsync).RequireScope(ApiKeys.NotificationsRead).Produces<UserResponse>().ProducesProblem(404);
        // End-user routes: the user's own subscriber token, or a key with the scope an operator needs.
        group.MapPut("/preferences", PutPreferencesAsync).RequireSubscriberOr(ApiKeys.UsersWrite, SubscriberScopes.PreferencesWrite)
            .Accepts<PreferencesDto>("application/json").Produces<PreferencesDto>().ProducesProblem(400);
        group.MapGet("/preferences", GetPreferencesAsync).RequireSubscriberOr(ApiKeys.NotificationsRead, SubscriberScopes.PreferencesRead).Produces<PreferencesDto>();
        group.MapPost("/devices", AddDeviceAsync).RequireSubscriberOr(ApiKeys.UsersWrite, SubscriberScopes.DevicesWrite)
            .Accepts<DeviceRequest>("application/json").Produces<DeviceResponse>(201).ProducesProblem(400)
            .WithSummary("Registers a push token: one owner per token and platform, so a token another user holds moves to this user; registering it again refreshes last_seen_at");
        group.MapSubscriberToken();
        group.MapGet("/devices", ListDevicesAsync).RequireSubscriberOr(ApiKeys.NotificationsRead, SubscriberScopes.DevicesWrite).Produces<DeviceList>();
        group.MapDelete("/devices/{device_id}", DeleteDeviceAsync).RequireSubscriberOr(ApiKeys.UsersWrite, SubscriberScopes.DevicesWrite).Produces(204).ProducesProblem(404);
        group.MapPost("/deliveries/{delivery_id}/opened", PushOpenedAsync).RequireSubscriberOr(ApiKeys.UsersWrite, SubscriberScopes.DevicesWrite)
            .Produces(204).ProducesProblem(404)
            .WithSummary("Reports a push notification opened on the user's device (the delivery id is the push payload's herald_delivery_id); reporting it again changes nothing");
    }

    /// <summary>
    /// The audit log holds operators' actions: a change a user makes with their own subscriber token is theirs, not an
    /// operator's, and is not recorded there.
    /// </summary>
    private static Task AuditAsync(HttpContext http, AuditTrail audit, string action, string target, System.Text.Json.Nodes.JsonObject? details = null) =>
        AuditTrail.Actor(http) is null ? Task.CompletedTask : audit.RecordAsync(http, action, target, details);

    private static async Task<IResult> PutUserAsync(string user_id, HttpRequest request, IUserStore users, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, ApiJson.Default.UserRequest, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var r = body.Value!;
        var problem = Validate.Id("user_id", user_id) ?? Validate.Email(r.Email) ?? Validate.Phone(r.Phone) ?? Validate.Locale(r.Locale) ?? Validate.TimeZone("timezone", r.Timezone);
        if (problem is not null)
        {
            return problem;
        }

        var profile = new UserProfile(user_id, r.Email, r.Phone, r.Locale, r.Timezone, time.GetUtcNow(), AuthSchemes.EnvironmentOf(request.HttpContext.User));
        await users.UpsertUserAsync(profile, ct);
        await audit.RecordAsync(request.HttpContext, AuditActions.UserUpdated, user_id);
        return TypedResults.Ok(ToResponse(profile));
    }

    /// <summary>
    /// Erases a user. Always 200 (also for an id Herald has never seen), so a retried request and a request for a user known only
    /// from notifications both succeed; the counts say what was found. The pseudonym is random: nothing links it back to the id.
    /// </summary>
    private static async Task<IResult> EraseAsync(string user_id, HttpContext http, IErasureStore erasure, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        if (Validate.Recipient("user_id", user_id) is { } problem)
        {
            return problem;
        }

        var pseudonym = "erased-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
        var s = await erasure.EraseUserAsync(AuthSchemes.EnvironmentOf(http.User), user_id, pseudonym, time.GetUtcNow(), ct);
        // The id stays in the audit log (the record that the erasure happened) until audit retention removes it.
        await audit.RecordAsync(http, AuditActions.UserErased, user_id, new System.Text.Json.Nodes.JsonObject { ["pseudonym"] = pseudonym });
        return TypedResults.Ok(new ErasureResponse(user_id, pseudonym, s.Profile, s.Devices, s.FeedItems, s.Notifications, s.Deliveries, s.Cancelled,
            s.OutboxMessages, s.WebhookEndpoints, s.LifecycleEvents, s.Subscriptions, s.DigestItems));
    }

    /// <summary>The profile; its email and phone masked unless the key has content:read.</summary>
    private static async Task<IResult> GetUserAsync(string user_id, HttpContext http, IUserStore users, CancellationToken ct)
    {
        if (await users.GetUserAsync(AuthSchemes.EnvironmentOf(http.User), user_id, ct) is not { } profile)
        {
            return Problems.NotFound("user", user_id);
        }

        return TypedResults.Ok(Auth.CanReadContent(http)
            ? ToResponse(profile)
            : ToResponse(profile with { Email = profile.Email is null ? null : Validate.Mask(Channel.Email, profile.Email), Phone = profile.Phone is null ? null : Validate.Mask(Channel.Sms, profile.Phone) }));
    }

    private static UserResponse ToResponse(UserProfile p) => new(p.UserId, p.Email, p.Phone, p.Locale, p.TimeZone, p.UpdatedAt);

    private static async Task<IResult> PutPreferencesAsync(string user_id, HttpRequest request, IUserStore users, IDigestStore digests, AuditTrail audit, TimeProvider time,
        CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, ApiJson.Default.PreferencesDto, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        // Like every write keyed by a user: the id's character set and length hold here too (a line break was stored).
        if (Validate.Recipient("user_id", user_id) is { } badUser)
        {
            return badUser;
        }

        if (body.Value!.Rules is not { } rules)
        {
            return Problems.Validation("rules", "'rules' is required (an empty list clears all rules)");
        }

        var parsed = new List<PreferenceRule>(rules.Count);
        for (var i = 0; i < rules.Count; i++)
        {
            var (rule, problem) = Parse(rules[i], $"rules[{i}]");
            if (problem is not null)
            {
                return problem;
            }

            parsed.Add(rule!);
        }

        await users.SavePreferencesAsync(new UserPreferences(user_id, parsed, AuthSchemes.EnvironmentOf(request.HttpContext.User)), time.GetUtcNow(), ct);
        await AuditAsync(request.HttpContext, audit, AuditActions.PreferencesUpdated, user_id, new System.Text.Json.Nodes.JsonObject { ["rules"] = parsed.Count });
        return TypedResults.Ok(ToDto(parsed, await digests.ListRulesAsync(AuthSchemes.EnvironmentOf(request.HttpContext.User), ct)));
    }

    private static async Task<IResult> GetPreferencesAsync(string user_id, HttpContext http, IUserStore users, IDigestStore digests, CancellationToken ct) =>
        TypedResults.Ok(ToDto((await users.GetPreferencesAsync(AuthSchemes.EnvironmentOf(http.User), user_id, ct))?.Rules ?? [],
            await digests.ListRulesAsync(AuthSchemes.EnvironmentOf(http.User), ct)));

    private static (PreferenceRule?, IResult?) Parse(PreferenceRuleDto dto, string at)
    {
        if (dto.EventType is null || !PreferenceMatcher.IsValidPattern(dto.EventType))
        {
            return (null, Problems.Validation($"{at}.event_type", "'event_type' must be an event type, a prefix pattern such as order.* or *"));
        }

        var channel = dto.Channel ?? "*";
        if (channel != "*" && !ChannelNames.TryParseChannel(channel, out _))
        {
            return (null, Problems.Validation($"{at}.channel", $"unknown channel '{channel}'; expected push, email, sms, in_app, webhook or *"));
        }

        if (dto.FrequencyCap is <= 0)
        {
            return (null, Problems.Validation($"{at}.frequency_cap", "'frequency_cap' must be a positive number per day"));
        }

        QuietHours? quiet = null;
        if (dto.QuietHours is { } q)
        {
            if (!TryTime(q.Start, out var start))
            {
                return (null, Problems.Validation($"{at}.quiet_hours.start", "'start' must be a time such as 22:00"));
            }

            if (!TryTime(q.End, out var end))
            {
                return (null, Problems.Validation($"{at}.quiet_hours.end", "'end' must be a time such as 07:00"));
            }

            if (q.Timezone is null || Validate.TimeZone($"{at}.quiet_hours.timezone", q.Timezone) is not null)
            {
                return (null, Validate.TimeZone($"{at}.quiet_hours.timezone", q.Timezone ?? "") ?? Problems.Validation($"{at}.quiet_hours.timezone", "'timezone' is required"));
            }

            quiet = new QuietHours(start, end, q.Timezone);
        }

        if (dto.Digest is not null && channel != "*")
        {
            return (null, Problems.Validation($"{at}.digest", "'digest' is a choice for whole notifications: only a rule for channel '*' may make it"));
        }

        SendWindow? window = null;
        if (dto.SendWindow is { } w)
        {
            var (parsed, problem) = ParseWindow(w, $"{at}.send_window");
            if (problem is not null)
            {
                return (null, problem);
            }

            window = parsed;
        }

        return (new PreferenceRule(dto.EventType, channel, dto.Enabled ?? true, quiet, dto.FrequencyCap, window, dto.Digest), null);
    }

    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    private static (SendWindow?, IResult?) ParseWindow(SendWindowDto w, string at)
    {
        if (w.Days is not { Count: > 0 } days)
        {
            return (null, Problems.Validation($"{at}.days", "'days' must list at least one day (mon, tue, wed, thu, fri, sat, sun)"));
        }

        var parsed = new List<DayOfWeek>();
        for (var i = 0; i < days.Count; i++)
        {
            var index = Array.IndexOf(DayNames, days[i]?.ToLowerInvariant());
            if (index < 0)
            {
                return (null, Problems.Validation($"{at}.days[{i}]", $"unknown day '{days[i]}'; expected mon, tue, wed, thu, fri, sat or sun"));
            }

            if (!parsed.Contains((DayOfWeek)index))
            {
                parsed.Add((DayOfWeek)index);
            }
        }

        if (!TryTime(w.Start, out var start))
        {
            return (null, Problems.Validation($"{at}.start", "'start' must be a time such as 08:00"));
        }

        if (!TryTime(w.End, out var end) || end == start)
        {
            return (null, Problems.Validation($"{at}.end", "'end' must be a time such as 20:00, different from 'start' (earlier than 'start' runs past midnight)"));
        }

        if (w.Timezone is null || Validate.TimeZone($"{at}.timezone", w.Timezone) is not null)
        {
            return (null, Validate.TimeZone($"{at}.timezone", w.Timezone ?? "") ?? Problems.Validation($"{at}.timezone", "'timezone' is required"));
        }

        return (new SendWindow(parsed, start, end, w.Timezone), null);
    }

    private static bool TryTime(string? value, out TimeOnly time) =>
        TimeOnly.TryParseExact(value, ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out time);

    private static PreferencesDto ToDto(IReadOnlyList<PreferenceRule> rules, IReadOnlyList<DigestRule> digests) => new([.. rules.Select(r => new PreferenceRuleDto(r.EventType, r.Channel, r.Enabled,
        r.QuietHours is { } q ? new QuietHoursDto(q.Start.ToString("HH:mm", CultureInfo.InvariantCulture), q.End.ToString("HH:mm", CultureInfo.InvariantCulture), q.TimeZone) : null,
        r.FrequencyCap,
        r.SendWindow is { } w ? new SendWindowDto([.. w.Days.Select(d => DayNames[(int)d])], w.Start.ToString("HH:mm", CultureInfo.InvariantCulture),
            w.End.ToString("HH:mm", CultureInfo.InvariantCulture), w.TimeZone) : null, r.Digest))],
        [.. digests.OrderBy(d => d.EventType, StringComparer.Ordinal).Select(d => new DigestOptionDto(d.EventType, d.Batch))]);

    /// <summary>A user's devices, tokens masked as everywhere else in the API.</summary>
    private static async Task<IResult> ListDevicesAsync(string user_id, HttpContext http, IUserStore users, CancellationToken ct) =>
        TypedResults.Ok(new DeviceList([.. (await users.GetDevicesAsync(AuthSchemes.EnvironmentOf(http.User), user_id, ct)).Select(ToResponse)]));

    private static DeviceResponse ToResponse(Device d) => new(d.Id, d.Platform, Validate.Mask(Channel.Push, d.Token), d.AppVersion, d.CreatedAt, d.LastSeenAt);

    private static async Task<IResult> AddDeviceAsync(string user_id, HttpRequest request, IUserStore users, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, ApiJson.Default.DeviceRequest, ct);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var r = body.Value!;
        if (Validate.Recipient("user_id", user_id) is { } badUser)
        {
            return badUser;
        }

        if (string.IsNullOrWhiteSpace(r.Token) || r.Token.Length > 4096)
        {
            return Problems.Validation("token", "'token' is required (at most 4096 characters)");
        }

        if (r.Platform is not ("ios" or "android" or "web"))
        {
            return Problems.Validation("platform", $"unknown platform '{r.Platform}'; expected ios, android or web");
        }

        // A token another user of the environment holds moves here (a handed-down phone); one this user has is refreshed (last_seen_at).
        var now = time.GetUtcNow();
        var device = await users.AddDeviceAsync(
            new Device(Ids.New("dev", time), user_id, r.Token, r.Platform, r.AppVersion, now, now, AuthSchemes.EnvironmentOf(request.HttpContext.User)), ct);
        // The push token is a credential of the user's device: never in the log.
        await AuditAsync(request.HttpContext, audit, AuditActions.DeviceAdded, device.Id, new System.Text.Json.Nodes.JsonObject { ["user_id"] = user_id, ["platform"] = r.Platform });
        // Escaped: a header holds ASCII only, and a raw non-ASCII id threw after the device was saved (a 500 for a success).
        return TypedResults.Created($"/api/v1/users/{Uri.EscapeDataString(user_id)}/devices/{device.Id}", ToResponse(device));
    }

    private static async Task<IResult> DeleteDeviceAsync(string user_id, string device_id, HttpContext http, IUserStore users, AuditTrail audit, CancellationToken ct)
    {
        if (!await users.DeleteDeviceAsync(AuthSchemes.EnvironmentOf(http.User), user_id, device_id, ct))
        {
            return Problems.NotFound("device", device_id);
        }

        await AuditAsync(http, audit, AuditActions.DeviceRemoved, device_id, new System.Text.Json.Nodes.JsonObject { ["user_id"] = user_id });
        return TypedResults.NoContent();
    }

    /// <summary>404 for a delivery that is not a push delivery of this user: another user's is as unknown as a made-up id.</summary>
    private static async Task<IResult> PushOpenedAsync(string user_id, string delivery_id, Tracker tracker, CancellationToken ct)
    {
        if (Validate.Id("delivery_id", delivery_id) is not null || !await tracker.RecordPushOpenAsync(user_id, delivery_id, ct))
        {
            return Problems.NotFound("push delivery", delivery_id);
        }

        return TypedResults.NoContent();
    }
}
