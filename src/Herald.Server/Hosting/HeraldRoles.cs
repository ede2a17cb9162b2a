namespace Herald.Server.Hosting;

/// <summary><c>Herald:Roles</c>: comma-separated api, worker, scheduler. Default: all of them in one process.</summary>
internal sealed record HeraldRoles(bool Api, bool Worker, bool Scheduler)
{
    public static HeraldRoles From(IConfiguration configuration)
    {
        var value = configuration["Herald:Roles"];
        if (string.IsNullOrWhiteSpace(value))
        {
            return new HeraldRoles(true, true, true);
        }

        var roles = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var role in roles)
        {
            if (role is not ("api" or "worker" or "scheduler"))
            {
                throw new InvalidOperationException($"Herald:Roles has unknown role '{role}'; expected api, worker or scheduler");
            }
        }

        return new HeraldRoles(roles.Contains("api"), roles.Contains("worker"), roles.Contains("scheduler"));
    }
}
