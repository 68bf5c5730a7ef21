using System.Text.RegularExpressions;
using Ledger.Income.Events;
using static Ledger.Income.Tests.Fixtures;

namespace Ledger.Income.Tests;

/// <summary>Every stored event has one stable manifest of its own, and every entity one persistence id.</summary>
public sealed partial class ManifestTests
{
    [Fact]
    public void Every_income_event_has_a_unique_manifest_of_the_income_context()
    {
        var events = typeof(IncomeEvent).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(IncomeEvent)) && !t.IsAbstract).ToList();
        Assert.Equal(events.OrderBy(t => t.Name), IncomeManifests.ByType.Keys.OrderBy(t => t.Name));
        Assert.Equal(IncomeManifests.ByType.Count, IncomeManifests.ByType.Values.Distinct().Count());
        Assert.All(IncomeManifests.ByType.Values, m => Assert.Matches(Manifest(), m));
    }

    [Fact]
    public void Every_entity_has_its_own_persistence_id()
    {
        Assert.Equal("income-memo-0001", IncomeManifests.PersistenceId(IncomeAddress.MemoAccount(P(L))));
        Assert.Equal("income-adjustment-ADJ-1", IncomeManifests.PersistenceId(IncomeAddress.Adjustment("ADJ-1")));
        Assert.Equal("income-payable-date-2026-11-24", IncomeManifests.PersistenceId(IncomeAddress.PayableDateRun(Tuesday)));
        Assert.Equal("income-halts", IncomeManifests.PersistenceId(IncomeAddress.HaltRegister));
        Assert.Equal("income-distributions", IncomeManifests.PersistenceId(IncomeAddress.DistributionSchedule));
    }

    [GeneratedRegex("^income\\.[a-z]+(-[a-z]+)*\\.v1$")]
    private static partial Regex Manifest();
}
