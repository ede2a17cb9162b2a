using Herald.Server.Hosting;

if (HeraldVersion.Requested(args))
{
    Console.WriteLine(HeraldVersion.Current);
    return;
}

// Content root is the build output, so appsettings.json is found whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddHerald();

var app = builder.Build();
await app.InitializeHeraldAsync();
app.MapHerald();
await app.RunAsync();

/// <summary>Entry point, visible to the test host.</summary>
public partial class Program;
