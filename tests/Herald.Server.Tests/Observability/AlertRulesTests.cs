using System.Runtime.CompilerServices;

namespace Herald.Server.Tests.Observability;

/// <summary>deploy/prometheus: the rules load, the scrape config is valid, and every alert's unit tests (alerts.test.yml) pass.</summary>
public sealed class AlertRulesTests
{
    private static readonly string Folder = Path.Combine(RepositoryRoot(), "deploy", "prometheus");

    [Fact]
    public async Task TestRules_AlertUnitTests_AllPass()
    {
        var (exitCode, output) = await Promtool.RunAsync(["test", "rules", "alerts.test.yml"], workingDirectory: Folder);

        exitCode.ShouldBe(0, output);
        output.ShouldContain("SUCCESS");
    }

    [Fact]
    public async Task CheckRules_AlertsFile_HasTheSixAlerts()
    {
        var (exitCode, output) = await Promtool.RunAsync(["check", "rules", "alerts.yml"], workingDirectory: Folder);

        exitCode.ShouldBe(0, output);
        output.ShouldContain("SUCCESS: 6 rules found");
    }

    [Fact]
    public async Task CheckConfig_ScrapeConfig_IsValidAndLoadsTheRules()
    {
        var (exitCode, output) = await Promtool.RunAsync(["check", "config", "prometheus.yml"], workingDirectory: Folder);

        exitCode.ShouldBe(0, output);
        output.ShouldContain("SUCCESS: 1 rule files found");
    }

    [Fact]
    public async Task TestRules_AlertWhoseExpectationIsWrong_Fails()
    {
        // The harness itself can fail: the same rules against an expectation that the DLQ alert fires at 100.
        var dir = Directory.CreateTempSubdirectory("herald-rules");
        try
        {
            File.Copy(Path.Combine(Folder, "alerts.yml"), Path.Combine(dir.FullName, "alerts.yml"));
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "wrong.test.yml"), """
                rule_files: [alerts.yml]
                tests:
                  - interval: 1m
                    input_series:
                      - series: 'herald_dlq_depth'
                        values: '100 100'
                    alert_rule_test:
                      - eval_time: 1m
                        alertname: HeraldDeadLetterQueueDeep
                        exp_alerts:
                          - exp_labels: { severity: ticket }
                """);

            var (exitCode, output) = await Promtool.RunAsync(["test", "rules", "wrong.test.yml"], workingDirectory: dir.FullName);

            exitCode.ShouldNotBe(0);
            output.ShouldContain("FAILED");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    // The build output may live outside the clone (--artifacts-path), so look above this source file, then above the output.
    private static string RepositoryRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { Path.GetDirectoryName(sourceFile), AppContext.BaseDirectory })
        {
            for (var dir = start is null ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Herald.slnx")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Herald.slnx not found above " + sourceFile + " or " + AppContext.BaseDirectory);
    }
}
