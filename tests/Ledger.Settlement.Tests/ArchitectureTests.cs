using System.Xml.Linq;

namespace Ledger.Settlement.Tests;

/// <summary>Ledger.Settlement is pure: no Akka, no database, no logging, nothing but the base library.</summary>
public sealed class ArchitectureTests
{
    private static readonly string[] Forbidden =
    [
        "Akka", "Npgsql", "Microsoft.Data", "System.Data", "Microsoft.EntityFrameworkCore", "Dapper", "linq2db",
        "Microsoft.Extensions.Logging", "Serilog", "Ledger.Journal", "Ledger.Cluster", "Ledger.Host",
    ];

    private static bool IsForbidden(string name) =>
        Forbidden.Any(f => name.Equals(f, StringComparison.OrdinalIgnoreCase) || name.StartsWith(f + ".", StringComparison.OrdinalIgnoreCase));

    /// <summary>The adapters; every other project under src/ is a pure context (Kernel, Settlement, ...).</summary>
    private static readonly string[] Adapters = ["Ledger.Journal", "Ledger.Cluster", "Ledger.Host"];

    public static TheoryData<string> PureProjects()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Path.Combine(RepositoryRoot(), "src")).Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            if (!Adapters.Contains(dir)) data.Add(dir!);
        }
        return data;
    }

    [Fact]
    public void Domain_assembly_references_no_akka_and_no_database_assembly()
    {
        foreach (var assembly in new[] { typeof(Money).Assembly, typeof(AccountState).Assembly })
        {
            var referenced = assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
            Assert.Contains(referenced, n => n.StartsWith("System.", StringComparison.Ordinal)); // the check sees real references
            Assert.DoesNotContain(referenced, IsForbidden);
        }
    }

    [Theory]
    [MemberData(nameof(PureProjects))]
    public void A_pure_project_takes_no_package_but_the_banned_api_analyzer_and_references_only_pure_projects(string name)
    {
        var project = XDocument.Load(Path.Combine(RepositoryRoot(), "src", name, name + ".csproj"));

        var packages = project.Descendants("PackageReference").Select(e => (string?)e.Attribute("Include")).ToList();
        Assert.Equal(["Microsoft.CodeAnalysis.BannedApiAnalyzers"], packages);
        var projects = project.Descendants("ProjectReference").Select(e => Path.GetFileNameWithoutExtension((string)e.Attribute("Include")!)).ToList();
        Assert.DoesNotContain(projects, p => Adapters.Contains(p));
        Assert.Empty(project.Descendants("Reference"));
        var banned = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", name, "BannedSymbols.txt"));
        foreach (var symbol in new[] { "System.DateTime.UtcNow", "System.DateTimeOffset.UtcNow", "System.Guid.NewGuid", "System.Random", "System.Console" })
            Assert.Contains(":" + symbol + ";", banned, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("System.DateTime.UtcNow")]
    [InlineData("System.DateTimeOffset.UtcNow")]
    [InlineData("System.Guid.NewGuid")]
    [InlineData("System.Random")]
    [InlineData("System.Console")]
    public void Clock_randomness_and_console_are_banned_in_the_domain(string symbol)
    {
        var banned = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "Ledger.Settlement", "BannedSymbols.txt"));
        Assert.Contains(":" + symbol + ";", banned, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ledger.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no Ledger.sln above {AppContext.BaseDirectory}");
    }
}
