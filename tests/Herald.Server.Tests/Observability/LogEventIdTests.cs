using System.Reflection;
using Herald.Sandbox.Core;
using Microsoft.Extensions.Logging;

namespace Herald.Server.Tests.Observability;

/// <summary>
/// Log event ids are what an operator filters and alerts on, so each names one message: every <c>[LoggerMessage]</c> in
/// Herald's assemblies (the server and everything it loads, and the sandbox) declares its id, and no two share one.
/// </summary>
public sealed class LogEventIdTests
{
    private static readonly IReadOnlyList<Assembly> Assemblies = HeraldAssemblies();

    private static readonly IReadOnlyList<(int Id, string Method)> Messages =
    [
        .. from assembly in Assemblies
           from type in assembly.GetTypes()
           from method in type.GetMethods(BindingFlags.DeclaredOnly | BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
           let attribute = method.GetCustomAttribute<LoggerMessageAttribute>()
           where attribute is not null
           select (attribute.EventId, $"{type.FullName}.{method.Name}"),
    ];

    [Fact]
    public void LoggerMessages_EventIds_AreUnique()
    {
        var shared = Messages.GroupBy(m => m.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Method))}");

        shared.ShouldBeEmpty();
    }

    [Fact]
    public void LoggerMessages_EventIds_AreDeclared()
    {
        // Without one the generator derives an id from the method name, which a rename changes silently.
        Messages.Where(m => m.Id <= 0).Select(m => m.Method).ShouldBeEmpty();
    }

    [Fact]
    public void HeraldAssemblies_Scan_FindsEveryProjectAndItsMessages()
    {
        // Guards the tests above against passing on an empty scan.
        Assemblies.Select(a => a.GetName().Name).ShouldBe(
            ["Herald.Core", "Herald.Providers", "Herald.Sandbox", "Herald.Server", "Herald.Storage.Postgres", "Herald.Storage.Relational", "Herald.Storage.Sqlite",
                "Herald.Transport.RabbitMq"],
            ignoreOrder: true);
        Messages.Count.ShouldBeGreaterThan(40);
    }

    /// <summary>The server's assembly and every Herald assembly it references, directly or not, and the sandbox's.</summary>
    private static List<Assembly> HeraldAssemblies()
    {
        var found = new Dictionary<string, Assembly>(StringComparer.Ordinal);
        var pending = new Stack<Assembly>([typeof(Program).Assembly, typeof(CallbackClient).Assembly]);
        while (pending.TryPop(out var assembly))
        {
            if (!found.TryAdd(assembly.GetName().Name!, assembly))
            {
                continue;
            }

            foreach (var name in assembly.GetReferencedAssemblies().Where(n => n.Name!.StartsWith("Herald.", StringComparison.Ordinal)))
            {
                pending.Push(Assembly.Load(name));
            }
        }

        return [.. found.Values];
    }
}
