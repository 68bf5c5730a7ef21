namespace Ledger.Lending.Tests;

/// <summary>Bad parameters and bodies of the lending endpoints get a field and a rule, and nothing is done.</summary>
public sealed class RequestTests
{
    private static readonly DateOnly Today = new(2026, 12, 7);
    private static readonly ParticipantId Self = new("0001");

    [Theory]
    [InlineData("2026-12", null)]
    [InlineData("2026-11", null)]
    [InlineData("2027-01", "month-not-future")]
    [InlineData("2026-13", "month-format")]
    [InlineData("2026-00", "month-format")]
    [InlineData("2026-1", "month-format")]
    [InlineData("26-12", "month-format")]
    [InlineData("2026/12", "month-format")]
    [InlineData("２０２６-12", "month-format")]
    [InlineData(null, "required")]
    public void A_statement_month_is_YYYY_MM_and_not_in_the_future(string? month, string? rule)
    {
        var (parsed, error) = LendingRequests.Month(month, Today);
        Assert.Equal(rule, error?.RuleName);
        if (rule is null) Assert.Equal(month, parsed.ToString());
        else Assert.Equal("month", error!.Field);
    }

    [Theory]
    [InlineData("2026-12-07", null)]
    [InlineData("2026-12-08", "date-not-future")]
    [InlineData("2026-12-32", "date-format")]
    [InlineData("07/12/2026", "date-format")]
    [InlineData("", "date-format")]
    public void A_report_or_marks_date_is_YYYY_MM_DD_and_not_in_the_future(string date, string? rule) =>
        Assert.Equal(rule, LendingRequests.Date(date, "date", Today).Error?.RuleName);

    [Fact]
    public void Filters_and_formats_take_only_their_listed_values()
    {
        Assert.Equal(LoanStateFilter.Closed, LendingRequests.LoanState("closed").State);
        Assert.Equal("loan-state", LendingRequests.LoanState("Open").Error!.RuleName);
        Assert.Equal(RecallStatus.Overdue, LendingRequests.RecallState("overdue").State);
        Assert.Equal("recall-state", LendingRequests.RecallState("late").Error!.RuleName);
        Assert.Equal(ReportFormat.Csv, LendingRequests.Format(null).Format);
        Assert.Equal(ReportFormat.JsonLines, LendingRequests.Format("jsonl").Format);
        Assert.Equal("report-format", LendingRequests.Format("xml").Error!.RuleName);
    }

    public static TheoryData<ReconcileRequest?, string, string> BadBodies() => new()
    {
        { null, "", "required" },
        { new ReconcileRequest(null, []), "counterparty", "required" },
        { new ReconcileRequest("12", []), "counterparty", "participant-id-format" },
        { new ReconcileRequest("0001", []), "counterparty", "counterparty-not-self" },
        { new ReconcileRequest("0002", null), "loans", "required" },
        { new ReconcileRequest("0002", [null]), "loans[0]", "required" },
        { new ReconcileRequest("0002", [new ReconcileLineRequest(null, 1m)]), "loans[0].loanId", "required" },
        { new ReconcileRequest("0002", [new ReconcileLineRequest("DO 1", 1m)]), "loans[0].loanId", "loan-id-format" },
        { new ReconcileRequest("0002", [new ReconcileLineRequest("DO-1", 1m), new ReconcileLineRequest("DO-1", 2m)]), "loans[1].loanId", "loan-id-unique" },
        { new ReconcileRequest("0002", [new ReconcileLineRequest("DO-1", null)]), "loans[0].amount", "required" },
        { new ReconcileRequest("0002", [new ReconcileLineRequest("DO-1", 1.001m)]), "loans[0].amount", "amount-two-decimals" },
        { new ReconcileRequest("0002", [new ReconcileLineRequest("DO-1", 1_000_000_000_000.01m)]), "loans[0].amount", "amount-maximum" },
        { new ReconcileRequest("0002", [new ReconcileLineRequest("DO-1", -1_000_000_000_000.01m)]), "loans[0].amount", "amount-maximum" },
        { new ReconcileRequest("0002", [new ReconcileLineRequest("DO-1", decimal.MaxValue)]), "loans[0].amount", "amount-maximum" },
        { new ReconcileRequest("0002", [new ReconcileLineRequest("DO-1", 1_000_000_000_000.001m)]), "loans[0].amount", "amount-maximum" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public void A_bad_reconciliation_body_names_the_field_and_the_rule(ReconcileRequest? body, string field, string rule)
    {
        var (_, lines, error) = LendingRequests.Reconcile(body, Self);
        Assert.Equal((field, rule), (error!.Field, error.RuleName));
        Assert.Empty(lines);
    }

    [Fact]
    public void A_reconciliation_body_with_too_many_lines_is_refused()
    {
        var lines = Enumerable.Range(0, LendingLimits.StatementLinesMax + 1).Select(i => (ReconcileLineRequest?)new ReconcileLineRequest($"DO-{i}", 1m)).ToList();
        Assert.Equal("statement-lines-maximum", LendingRequests.Reconcile(new ReconcileRequest("0002", lines), Self).Error!.RuleName);
    }

    [Fact]
    public void A_good_reconciliation_body_gives_its_lines_in_cents_signed_as_given()
    {
        var (counterparty, lines, error) = LendingRequests.Reconcile(
            new ReconcileRequest("0002", [new ReconcileLineRequest("DO-1", 13.39m), new ReconcileLineRequest("DO-2", -0.01m)]), Self);
        Assert.Null(error);
        Assert.Equal(new ParticipantId("0002"), counterparty);
        Assert.Equal([new CounterpartyStatementLine("DO-1", new Money(1_339)), new CounterpartyStatementLine("DO-2", new Money(-1))], lines);
    }

    [Fact]
    public void Every_rejection_has_a_rule_name_of_its_own()
    {
        var names = Enum.GetValues<LendingRejection>().Select(LendingError.NameOf).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", n));
    }

    [Fact]
    public void Every_event_has_a_stable_manifest_of_the_lending_context()
    {
        var events = typeof(LendingManifests).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && t.Namespace == "Ledger.Lending.Events" && t.BaseType is { } b && b.Name.EndsWith("Event", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(events.Count, LendingManifests.ByType.Count);
        Assert.All(events, t => Assert.Matches(@"^lending\.[a-z-]+\.v1$", LendingManifests.ByType[t]));
        Assert.Equal(LendingManifests.ByType.Count, LendingManifests.ByType.Values.Distinct().Count());
    }
}
