using System.Security.Cryptography;
using Herald.Core;
using Herald.Core.Storage;
using Herald.Providers;
using Herald.Providers.Routing;
using Herald.Providers.Tracking;
using Herald.Server.Api;
using Herald.Server.Observability;
using Herald.Storage.Postgres;
using Herald.Storage.Sqlite;
using Herald.Transport.RabbitMq;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Server.Hosting;

internal static partial class HeraldHostingExtensions
{
    /// <summary>Registers the store, the pipeline (workers when the process has the worker role) and the API.</summary>
    public static WebApplicationBuilder AddHerald(this WebApplicationBuilder builder)
    {
        var roles = HeraldRoles.From(builder.Configuration);
        var engines = HeraldEngines.From(builder.Configuration);

        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls("http://localhost:8080");
        }

        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 1024 * 1024);
        builder.Services.AddOptions<RequestLimitsOptions>().BindConfiguration(RequestLimitsOptions.SectionName)
            .Validate(o => o.MinBodyBytesPerSecond > 0 && o.MinBodyRateGracePeriod > TimeSpan.FromSeconds(1) && o.HeadersTimeout > TimeSpan.Zero,
                $"{RequestLimitsOptions.SectionName}: MinBodyBytesPerSecond and HeadersTimeout must be positive, MinBodyRateGracePeriod more than 1 s (Kestrel's heartbeat)")
            .ValidateOnStart();
        // Kestrel reads its options from the container when it starts, so the bound and validated settings apply to it.
        builder.Services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>().Configure<Microsoft.Extensions.Options.IOptions<RequestLimitsOptions>>((k, o) =>
        {
            k.Limits.MinRequestBodyDataRate = new(o.Value.MinBodyBytesPerSecond, o.Value.MinBodyRateGracePeriod);
            k.Limits.RequestHeadersTimeout = o.Value.HeadersTimeout;
        });
        builder.Services.AddSingleton(roles);
        builder.Services.AddSingleton(engines);
        builder.Services.AddSingleton(new StoreStartup(Retries: engines.Postgres));
        // Before Herald:Retention existed, PostgreSQL's retention was Herald:Storage:Postgres:Retention: still honoured.
        if (builder.Configuration["Herald:Storage:Postgres:Retention"] is { } legacy && builder.Configuration["Herald:Retention:Notifications"] is null)
        {
            builder.Configuration["Herald:Retention:Notifications"] = legacy;
        }

        if (engines.Postgres)
        {
            builder.Services.AddPostgresStore();
            if (roles.Scheduler)
            {
                builder.Services.AddHostedService<PartitionMaintenanceService>();
                builder.Services.AddHostedService<StatisticsMaintenanceService>();
            }
        }
        else
        {
            builder.Services.AddSqliteStore();
        }

        if (engines.RabbitMq)
        {
            builder.Services.AddRabbitMqTransport(builder.Configuration);
        }

        builder.Services.AddHeraldPipeline(new PipelineHosting(roles.Worker, roles.Scheduler, Distributed: engines.RabbitMq));
        builder.Services.AddHeraldProviders(builder.Configuration);
        builder.AddHeraldObservability(roles);
        builder.Services.AddHeraldReadinessChecks(roles, engines);
        builder.Services.AddSingleton<ApiKeys>();
        builder.Services.AddSingleton<AuditTrail>();
        builder.Services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.SectionName)
            .Validate(o => o.AuthFailuresPerMinute > 0, $"{SecurityOptions.SectionName}:AuthFailuresPerMinute must be positive").ValidateOnStart();
        builder.Services.AddSingleton<AuthFailureLimiter>();
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName)
            .Validate(o => o.RequestsPerSecond is >= 0 and <= KeyRateLimits.MaxPerSecond && o.NotificationsPerSecond is >= 0 and <= KeyRateLimits.MaxPerSecond,
                $"{RateLimitOptions.SectionName}: RequestsPerSecond and NotificationsPerSecond must be between 0 (unlimited) and {KeyRateLimits.MaxPerSecond}")
            .ValidateOnStart();
        builder.Services.AddSingleton<KeyRateLimits>();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>().Configure<KeyRateLimits>((o, limits) =>
        {
            o.GlobalLimiter = limits.Requests;
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = KeyRateLimits.OnRejectedAsync;
        });
        builder.Services.AddHeraldAuth();
        builder.Services.AddSingleton<TrackingLimits>();
        builder.Services.AddOptions<FeedOptions>().BindConfiguration(FeedOptions.SectionName)
            .Validate(o => o.MaxStreamsPerUser > 0 && o.MaxStreamsPerProcess > 0 && o.StreamLifetime > TimeSpan.Zero && o.StreamFallbackPoll > TimeSpan.Zero,
                $"{FeedOptions.SectionName}: MaxStreamsPerUser, MaxStreamsPerProcess, StreamLifetime and StreamFallbackPoll must be positive")
            .ValidateOnStart();
        builder.Services.AddSingleton<FeedStreams>();
        builder.Services.AddOptions<IngestOptions>().BindConfiguration(IngestOptions.SectionName)
            .Validate(o => o.MaxBatchExpandedBytes > 0, $"{IngestOptions.SectionName}:MaxBatchExpandedBytes must be positive").ValidateOnStart();
        builder.Services.AddSingleton<HeraldSecrets>();
        builder.Services.AddOptions<SubscriberTokenOptions>().BindConfiguration(SubscriberTokenOptions.SectionName)
            .Validate(o => o.IsValid(), $"{SubscriberTokenOptions.SectionName}: MaxLifetime 1 min to 30 days, DefaultLifetime 1 min to MaxLifetime, ClockSkew 0 to 5 min, TicketLifetime 5 s to 5 min")
            .ValidateOnStart();
        builder.Services.AddSingleton<SubscriberSecrets>();
        builder.Services.AddSingleton<SubscriberTokens>();
        builder.Services.ConfigureHttpJsonOptions(o => ApiJson.Configure(o.SerializerOptions));
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            // Framework answers (unknown route, wrong method) get our stable types instead of links to RFC 9110.
            if (c.ProblemDetails.Type is null || c.ProblemDetails.Type.StartsWith("https://tools.ietf.org/", StringComparison.Ordinal))
            {
                c.ProblemDetails.Type = Problems.TypeBase + (c.ProblemDetails.Status switch { 404 => "not-found", 405 => "method-not-allowed", _ => "error" });
            }
        });
        builder.Services.AddExceptionHandler<UnhandledExceptionHandler>();
        builder.Services.AddOpenApi(o =>
        {
            o.AddOperationTransformer<Api.StatusSchemas>();
            o.AddSchemaTransformer<Api.StatusSchemas>();
            o.AddDocumentTransformer<Api.SecuritySchemes>();
            o.AddOperationTransformer<Api.SecuritySchemes>();
            o.AddOperationTransformer<Api.RateLimitHeaders>();
            o.AddOperationTransformer<Api.OperationNames>();
            o.AddOperationTransformer<Api.AnswerChoices>();
            o.AddDocumentTransformer<Api.DocumentInfo>();
            o.AddDocumentTransformer<Api.SchemaRules>();
            o.AddDocumentTransformer<Api.RequestExamples>();
        });
        // The inbox and preferences web components run in the product's pages, on another origin: their end-user calls (feed,
        // preferences, devices; subscriber token in a header or the query, never cookies) are allowed from any origin. Nothing else is.
        builder.Services.AddCors(o => o.AddPolicy(Api.FeedEndpoints.CorsPolicy, p => p.AllowAnyOrigin().WithMethods("GET", "POST", "PUT", "DELETE")
            .WithHeaders("X-Herald-Subscriber-Token", "Last-Event-ID", "Content-Type")));
        return builder;
    }

    /// <summary>
    /// Builds the providers (a bad provider setting stops start), then prepares the store: schema, secrets and, on an
    /// empty store, the bootstrap admin key. A PostgreSQL store that cannot be reached does not stop start: the process
    /// answers 503 with Retry-After (and /readyz says why) while it retries with backoff.
    /// </summary>
    public static async Task InitializeHeraldAsync(this WebApplication app)
    {
        // An empty or short secret stops start before anything is served or stored.
        StartupSecrets.Validate(app.Configuration);
        // Builds every provider now: a missing credential fails start with a message naming the setting.
        app.Services.GetRequiredService<ProviderRegistry>();
        app.StartHeraldTelemetry();
        var startup = app.Services.GetRequiredService<StoreStartup>();
        try
        {
            await PrepareStoreAsync(app);
            startup.MarkReady();
        }
        catch (Exception ex) when (startup.Retries && StoreStartup.IsUnavailable(ex))
        {
            startup.MarkFailing(ex);
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Herald.Startup");
            LogStoreUnavailable(logger, ex);
            _ = Task.Run(() => startup.RetryAsync(() => PrepareStoreAsync(app), logger, app.Lifetime.ApplicationStopping));
        }
    }

    private static async Task PrepareStoreAsync(WebApplication app)
    {
        var services = app.Services;
        await services.GetRequiredService<IStoreInitializer>().InitializeAsync(CancellationToken.None);
        var secret = app.Configuration[StartupSecrets.SubscriberSecret]
            ?? await services.GetRequiredService<ISettingsStore>().GetOrAddSettingAsync("subscriber_secret", () => Convert.ToHexString(RandomNumberGenerator.GetBytes(32)), CancellationToken.None);
        services.GetRequiredService<HeraldSecrets>().SubscriberSecret = System.Text.Encoding.UTF8.GetBytes(secret);
        var tracking = app.Configuration[StartupSecrets.TrackingSecret]
            ?? await services.GetRequiredService<ISettingsStore>().GetOrAddSettingAsync("tracking_secret", () => Convert.ToHexString(RandomNumberGenerator.GetBytes(32)), CancellationToken.None);
        services.GetRequiredService<TrackingTokens>().Secret = System.Text.Encoding.UTF8.GetBytes(tracking);

        var keys = services.GetRequiredService<ApiKeys>();
        if (await services.GetRequiredService<IApiKeyStore>().CountApiKeysAsync(CancellationToken.None) == 0)
        {
            var given = Environment.GetEnvironmentVariable(StartupSecrets.BootstrapKey);
            var key = string.IsNullOrWhiteSpace(given) ? ApiKeys.Generate() : given.Trim();
            await keys.CreateAsync(key, [ApiKeys.Admin], CancellationToken.None);
            if (await keys.FindAsync(key, CancellationToken.None) is { } made)
            {
                await services.GetRequiredService<AuditTrail>().RecordSystemAsync(Core.Audit.AuditActions.KeyCreated, made.Id, CancellationToken.None);
            }

            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Herald.Bootstrap");
            if (string.IsNullOrWhiteSpace(given))
            {
                // Printed once, to the console only: the store keeps just its hash.
                await Console.Out.WriteLineAsync($"Herald bootstrap admin API key (shown once, store it now): {key}");
            }
            else
            {
                LogBootstrapFromEnvironment(logger);
            }
        }
    }

    public static WebApplication MapHerald(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseStoreStartupGate();
        app.UseEncodedSlashRouteValues();
        app.UseCors();
        app.UseUrlTextGuard();
        app.UseAuthentication();
        app.UseAuthorization();
        // After authorization: the key (and so its limits) is known, and a refused credential takes no permit.
        app.UseRateLimiter();
        app.MapOpenApi();
        app.MapApiReference();
        app.MapHealth();
        app.MapMetrics();
        app.MapNotifications();
        app.MapUsers();
        app.MapTopics();
        app.MapCampaigns();
        app.MapDigestRules();
        app.MapFeed();
        app.MapTemplates();
        app.MapLayouts();
        app.MapPartials();
        app.MapWebhookEndpoints();
        app.MapOperations();
        app.MapAudit();
        app.MapProviders();
        app.MapAnalytics();
        app.MapTracking();
        app.MapMe();
        app.MapKeys();
        app.MapEnvironments();
        app.MapSubscriberSecret();
        app.MapDashboard();
        return app;
    }

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "The store is unreachable at start; answering 503 and retrying with backoff")]
    private static partial void LogStoreUnavailable(ILogger logger, Exception ex);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Created the bootstrap admin API key from HERALD_BOOTSTRAP_API_KEY")]
    private static partial void LogBootstrapFromEnvironment(ILogger logger);
}

/// <summary>Secrets resolved at start.</summary>
internal sealed class HeraldSecrets
{
    public byte[] SubscriberSecret { get; set; } = [];
}

/// <summary>Bugs leave as a 500 problem with a stable type; the details go to the log, not the client.</summary>
internal sealed partial class UnhandledExceptionHandler(IProblemDetailsService problems, ILogger<UnhandledExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (StoreStartup.IsUnavailable(exception))
        {
            // The store (or the broker) is down for a moment: nothing was accepted; the client retries with the same key.
            httpContext.Response.StatusCode = 503;
            httpContext.Response.Headers.RetryAfter = "2";
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                ProblemDetails = new ProblemDetails
                {
                    Status = 503, Type = Problems.TypeBase + "store-unavailable", Title = "The store is unavailable.",
                    Detail = "nothing was stored; retry after the delay with the same Idempotency-Key",
                },
            });
        }

        var status = exception is BadHttpRequestException bad ? bad.StatusCode : 500;
        if (status == 500)
        {
            LogUnhandled(logger, exception, httpContext.Request.Path);
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new ProblemDetails
            {
                Status = status,
                Type = Problems.TypeBase + (status == 500 ? "internal-error" : "bad-request"),
                Title = status == 500 ? "An unexpected error occurred." : "The request is invalid.",
                Detail = status == 500 ? "the error was logged; retry the request" : exception.Message,
            },
        });
    }

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "Unhandled exception on {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception ex, string path);
}
