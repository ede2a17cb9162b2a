using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Herald.Core.Domain;
using Herald.Core.Observability;
using Herald.Core.Pipeline;
using Herald.Core.Storage;
using Herald.Core.Templates;

namespace Herald.Core.Ingest;

/// <summary>
/// Ingest: idempotency, template checks, and a durable write through the group commit. Nothing slow happens here: the
/// planner picks the notifications up from the store.
/// </summary>
public sealed class IngestService(IIngestStore store, TemplateCatalog templates, GroupCommitter committer, Signals signals, TimeProvider time,
    Lifecycle.LifecycleEmitter? lifecycle = null)
{
    private readonly ConcurrentDictionary<(string EnvironmentId, string Key), byte> _inFlight = new();

    public async Task<IngestResult> SendAsync(SendCommand cmd, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cmd);
        var key = cmd.IdempotencyKey;
        // Keys are per environment.
        if (key is not null && !_inFlight.TryAdd((cmd.EnvironmentId, key), 0))
        {
            return new IngestResult.Problem(IngestProblem.IdempotencyKeyInFlight, "idempotency_key", "a request with this idempotency key is still being processed; retry later");
        }

        try
        {
            if (key is not null && await ReplayAsync(cmd.EnvironmentId, key, cmd.RequestHash, ct) is { } replay)
            {
                return replay;
            }

            var (problem, version) = await CheckTemplateAsync(cmd.EnvironmentId, cmd, ct);
            if (problem is not null)
            {
                return problem;
            }

            // Pin the version checked here, so planning renders exactly what ingest validated and never looks it up again.
            cmd = cmd with { TemplateVersion = version };

            // The span covers the durable write; its traceparent goes with each notification to continue the trace later.
            using var activity = HeraldTracing.Source.StartActivity("herald.ingest", ActivityKind.Internal);
            activity?.SetTag("herald.event_type", cmd.EventType);
            activity?.SetTag("herald.priority", cmd.Priority.ToWire());
            activity?.SetTag("herald.recipients", cmd.RecipientIds.Count);
            var (items, status, body) = Build(cmd, HeraldTracing.TraceParent(activity));
            var events = await AddAcceptedEventsAsync(items, ct);
            var pending = committer.TryEnqueue(items);
            if (pending is null)
            {
                return new IngestResult.Problem(IngestProblem.Overloaded, "", "ingest queue is full; retry after a second");
            }

            IReadOnlyList<bool> accepted;
            try
            {
                accepted = await pending.WaitAsync(ct);
            }
            catch (StoreDataException ex)
            {
                // The store cannot hold a value of this request (it passed the API's checks): the same request would fail
                // again, so it is the caller's to change (a 4xx), not a server fault to retry.
                return new IngestResult.Problem(IngestProblem.Unstorable, "", $"a value of this request cannot be stored: {ex.Message}");
            }

            if (key is not null && !accepted[0])
            {
                // Another process committed the same key first: answer as it did.
                return await ReplayAsync(cmd.EnvironmentId, key, cmd.RequestHash, ct) ?? throw new InvalidOperationException("idempotency record vanished");
            }

            signals.Notify(Signals.Planner(cmd.Priority));
            if (events)
            {
                lifecycle!.AcceptedCommitted();
            }

            return new IngestResult.Accepted(status, body, false);
        }
        finally
        {
            if (key is not null)
            {
                _inFlight.TryRemove((cmd.EnvironmentId, key), out _);
            }
        }
    }

    /// <summary>
    /// Adds each notification's <c>notification.accepted</c> lifecycle event to the item that holds it, so the event is
    /// committed in the same transaction as the notification (and not at all when an idempotency key turns it away).
    /// </summary>
    private async Task<bool> AddAcceptedEventsAsync(List<IngestItem> items, CancellationToken ct)
    {
        if (lifecycle is null)
        {
            return false;
        }

        var any = false;
        for (var i = 0; i < items.Count; i++)
        {
            var events = new List<Notification>();
            foreach (var n in items[i].Notifications)
            {
                if (await lifecycle.AcceptedAsync(n, ct) is { } e)
                {
                    events.Add(e);
                }
            }

            if (events.Count > 0)
            {
                items[i] = items[i] with { Notifications = [.. items[i].Notifications, .. events] };
                any = true;
            }
        }

        return any;
    }

    private async Task<IngestResult?> ReplayAsync(string environmentId, string key, string requestHash, CancellationToken ct)
    {
        var saved = await store.GetIdempotencyAsync(environmentId, key, ct);
        if (saved is null)
        {
            return null;
        }

        return saved.RequestHash == requestHash
            ? new IngestResult.Accepted(saved.StatusCode, saved.Response, true)
            : new IngestResult.Problem(IngestProblem.IdempotencyKeyReused, "idempotency_key", "this idempotency key was used with a different request body");
    }

    /// <summary>
    /// The template checks of a send in <paramref name="environmentId"/> (exists there, published, variables, channels,
    /// escalation); the version to pin, or a problem.
    /// </summary>
    public async Task<(IngestResult.Problem? Problem, int Version)> CheckTemplateAsync(string environmentId, SendCommand cmd, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cmd);
        var (lookup, template) = await templates.GetSendableAsync(environmentId, cmd.TemplateId, cmd.TemplateVersion, ct);
        switch (lookup)
        {
            case TemplateCatalog.Lookup.UnknownTemplate:
                return (new(IngestProblem.UnknownTemplate, "template_id", $"template '{cmd.TemplateId}' does not exist"), 0);
            case TemplateCatalog.Lookup.UnknownVersion:
                return (new(IngestProblem.UnknownTemplateVersion, "template_version", $"template '{cmd.TemplateId}' has no version {cmd.TemplateVersion}"), 0);
            case TemplateCatalog.Lookup.Draft:
                return (new(IngestProblem.TemplateNotPublished, cmd.TemplateVersion is null ? "template_id" : "template_version",
                    $"template '{cmd.TemplateId}' has no published version{(cmd.TemplateVersion is null ? "" : $" {cmd.TemplateVersion}")}; drafts can be previewed but not sent"), 0);
        }

        var missing = TemplateRenderer.MissingVariables(template!, cmd.Data);
        if (missing.Count > 0)
        {
            return (new(IngestProblem.MissingVariable, $"data.{missing[0]}", $"missing template variable '{missing[0]}'" + (missing.Count > 1 ? $" (and {string.Join(", ", missing.Skip(1))})" : "")), 0);
        }

        foreach (var channel in cmd.Channels ?? [])
        {
            if (channel != Channel.Webhook && !template!.Channels.ContainsKey(channel))
            {
                return (new(IngestProblem.ChannelNotInTemplate, "channels", $"template '{cmd.TemplateId}' has no {channel.ToWire()} part"), 0);
            }
        }

        var steps = cmd.Options?.Escalation ?? [];
        if (steps.Count > 0 && !template!.Channels.ContainsKey(Channel.InApp))
        {
            return (new(IngestProblem.ChannelNotInTemplate, "escalation", $"escalation waits for the in-app item, but template '{cmd.TemplateId}' has no in_app part"), 0);
        }

        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i].Channel != Channel.Webhook && !template!.Channels.ContainsKey(steps[i].Channel))
            {
                return (new(IngestProblem.ChannelNotInTemplate, $"escalation[{i}].channel", $"template '{cmd.TemplateId}' has no {steps[i].Channel.ToWire()} part"), 0);
            }
        }

        return (null, template!.Version);
    }

    private (List<IngestItem> Items, int Status, string Body) Build(SendCommand cmd, string? traceParent)
    {
        var now = time.GetUtcNow();
        var due = cmd.ScheduledAt is { } at && at > now ? at : now;
        var status = due > now ? NotificationStatus.Scheduled : NotificationStatus.Accepted;
        var data = cmd.Data.ToJsonString();
        var batchId = cmd.IsBatch ? Ids.New("bat", time) : null;
        var items = new List<IngestItem>();
        var notifications = new List<Notification>(cmd.RecipientIds.Count);
        foreach (var recipient in cmd.RecipientIds)
        {
            var key = cmd.IsBatch && cmd.IdempotencyKey is not null ? $"{cmd.IdempotencyKey}:{recipient}" : cmd.IdempotencyKey;
            notifications.Add(new Notification(Ids.New("ntf", time), cmd.EventType, recipient, cmd.Priority, status, cmd.TemplateId, cmd.TemplateVersion,
                cmd.Channels, data, key, batchId, due, now, traceParent, cmd.Options is { IsEmpty: false } ? cmd.Options : null, EnvironmentId: cmd.EnvironmentId));
        }

        string body;
        if (cmd.IsBatch)
        {
            body = new JsonObject { ["batch_id"] = batchId, ["accepted"] = notifications.Count, ["status"] = status }.ToJsonString();
            items.Add(new IngestItem([], Record(cmd.EnvironmentId, cmd.IdempotencyKey, cmd.RequestHash, body, now)));
            foreach (var n in notifications)
            {
                var one = new JsonObject { ["id"] = n.Id, ["status"] = status }.ToJsonString();
                items.Add(new IngestItem([n], Record(cmd.EnvironmentId, n.IdempotencyKey, cmd.RequestHash, one, now)));
            }
        }
        else
        {
            body = new JsonObject { ["id"] = notifications[0].Id, ["status"] = status }.ToJsonString();
            items.Add(new IngestItem(notifications, Record(cmd.EnvironmentId, cmd.IdempotencyKey, cmd.RequestHash, body, now)));
        }

        return (items, 202, body);
    }

    private static IdempotencyRecord? Record(string environmentId, string? key, string hash, string body, DateTimeOffset now) =>
        key is null ? null : new IdempotencyRecord(key, hash, 202, body, now) { EnvironmentId = environmentId };
}
