using static Ledger.Income.Tests.Fixtures;

namespace Ledger.Income.Tests;

/// <summary>
/// The "Bad input" list, as the HTTP edge and the CLI will submit it: each refused with the
/// field and the rule, and the entity it would have reached unchanged.
/// </summary>
public sealed class BadInputTests
{
    private static readonly DateTimeOffset T = Morning;
    private static readonly BusinessDayStatus Today = new(Tuesday);

    public static TheoryData<string?, string?, string?, decimal?, string?, string?, string, string> Distributions => new()
    {
        // cusip, id, type, rate, record, payable -> rule, field
        { "037833101", "Q4", "cash-dividend", 0.25m, "2026-11-24", "2026-11-25", "cusip-check-digit", "cusip" },
        { X, "Q 4", "cash-dividend", 0.25m, "2026-11-24", "2026-11-25", "distribution-id-format", "id" },
        { X, "Q4", "stock-dividend", 0.25m, "2026-11-24", "2026-11-25", "distribution-type", "type" },
        { X, "Q4", null, 0.25m, "2026-11-24", "2026-11-25", "required", "type" },
        { X, "Q4", "interest", 0m, "2026-11-24", "2026-11-25", "rate-positive", "ratePerShare" },
        { X, "Q4", "interest", -0.25m, "2026-11-24", "2026-11-25", "rate-positive", "ratePerShare" },
        { X, "Q4", "interest", 0.2500001m, "2026-11-24", "2026-11-25", "rate-six-decimals", "ratePerShare" },
        { X, "Q4", "interest", null, "2026-11-24", "2026-11-25", "required", "ratePerShare" },
        { X, "Q4", "interest", 0.25m, "2026-11-24", "2026-11-23", "payable-date-not-before-record-date", "payableDate" },
        { X, "Q4", "interest", 0.25m, "2026-11-23", "2026-11-25", "record-date-not-past", "recordDate" },
        { X, "Q4", "interest", 0.25m, "24/11/2026", "2026-11-25", "date-format", "recordDate" },
        { X, "Q4", "interest", 0.25m, "2026-11-24", "2026-11-31", "date-format", "payableDate" },
    };

    [Theory]
    [MemberData(nameof(Distributions))]
    public void A_bad_distribution_is_refused_naming_field_and_rule(string? cusip, string? id, string? type, decimal? rate, string? record, string? payable, string rule, string field)
    {
        var (command, error) = IncomeRequests.Distribution(cusip, id, new DistributionRequest(type, rate, record, payable), Today, Calendar, T);
        Assert.Null(command);
        Assert.Equal((rule, field), (error!.Rule, error.Field));
        Assert.Equal(400, error.Status);
    }

    public static TheoryData<string?, string?, string?, long?, string, string> Adjustments => new()
    {
        // id, counterparty, cusip, shares -> rule, field
        { "ADJ-1", "0777", X, 100, "participant-known", "counterparty" },
        { "ADJ-1", "77", X, 100, "participant-id-format", "counterparty" },
        { "ADJ-1", null, X, 100, "required", "counterparty" },
        { "ADJ-1", L, X, 100, "counterparty-not-self", "counterparty" },
        { "ADJ-1", B, "037833101", 100, "cusip-check-digit", "cusip" },
        { "ADJ-1", B, X, 0, "shares-not-zero", "shares" },
        { "ADJ 1", B, X, 100, "adjustment-id-format", "id" },
    };

    [Theory]
    [MemberData(nameof(Adjustments))]
    public void A_bad_adjustment_is_refused_naming_field_and_rule(string? id, string? counterparty, string? cusip, long? shares, string rule, string field)
    {
        var (command, error) = IncomeRequests.Adjustment(P(L), new AdjustmentRequest(id, counterparty, cusip, shares), Today, Everyone, Calendar, T);
        Assert.Null(command);
        Assert.Equal((rule, field), (error!.Rule, error.Field));
    }

    [Fact]
    public void An_adjustment_by_someone_not_party_to_it_and_an_affirm_by_its_enterer_are_refused_and_change_nothing()
    {
        var world = new IncomeWorld(Tuesday).With(L, B, C);
        Assert.Null(world.EnterAdjustment("ADJ-1", L, B, 100));
        var version = world.Adjustment("ADJ-1").State.Version;

        Assert.Equal(("adjustment-party", "participant", 403), Describe(world.Affirm("ADJ-1", C)));
        Assert.Equal(("adjustment-party", "participant", 403), Describe(world.Cancel("ADJ-1", C)));
        Assert.Equal(("affirm-by-counterparty", "participant", 403), Describe(world.Affirm("ADJ-1", L)));
        Assert.Equal(version, world.Adjustment("ADJ-1").State.Version);
    }

    [Fact]
    public void A_repeated_adjustment_id_with_other_terms_is_refused()
    {
        var world = new IncomeWorld(Tuesday).With(L, B, C);
        Assert.Null(world.EnterAdjustment("ADJ-1", L, B, 100));
        Assert.Equal(("adjustment-id-unique", "id", 409), Describe(world.EnterAdjustment("ADJ-1", L, B, 101)));
        Assert.Equal(("adjustment-id-unique", "id", 409), Describe(world.EnterAdjustment("ADJ-1", C, B, 100)));
        Assert.Equal(100, world.Adjustment("ADJ-1").State.Shares);
    }

    public static TheoryData<string?, string?, string, string> Halts => new()
    {
        { "0777", "2026-11-30", "participant-known", "counterparty" },
        { "7", "2026-11-30", "participant-id-format", "counterparty" },
        { L, "2026-11-25", "halt-notice", "effectiveDate" },
        { L, "2026-11-27", "halt-notice", "effectiveDate" }, // filed on Wednesday: Thanksgiving is no business day, so Friday is one
        { L, "tomorrow", "date-format", "effectiveDate" },
        { L, null, "required", "effectiveDate" },
    };

    [Theory]
    [MemberData(nameof(Halts))]
    public void A_bad_halt_is_refused_naming_field_and_rule(string? counterparty, string? effective, string rule, string field)
    {
        var register = new HaltRegisterState();
        var today = effective == "2026-11-27" ? new BusinessDayStatus(Wednesday) : Today;
        var (command, error) = IncomeRequests.Halt(P(B), new HaltRequest(counterparty, effective), today, Everyone, Calendar, T);
        if (command is not null) error = HaltRegisterDecider.Decide(register, command).Rejection;
        Assert.Equal((rule, field), (error!.Rule, error.Field));
        Assert.Empty(register.Halts);
    }

    [Fact]
    public void A_merger_into_itself_or_of_a_participant_with_deliver_orders_in_flight_is_refused()
    {
        var world = new IncomeWorld(Tuesday).With(L, B, C);
        world.Complete(Do("DO-1", L, B, 100, on: Tuesday));
        world.Quiesce();
        Assert.Equal(("merge-into-self", "to", 400), Describe(world.Merge(L, L)));
        Assert.Equal(("merge-deliver-orders-in-flight", "from", 409), Describe(world.Merge(L, C, inFlight: 3)));
        Assert.Equal([$"{B} {X} 100"], LinesOf(world.Memo(L).State));
        Assert.Empty(world.Memo(C).Journal);
    }

    [Theory]
    [InlineData(null, "required")]
    [InlineData("2026-02-30", "date-format")]
    [InlineData("2026-2-3", "date-format")]
    [InlineData(" 2026-11-23", "date-format")]
    public void A_bad_date_in_a_query_is_refused(string? value, string rule) =>
        Assert.Equal((rule, "asOf"), IncomeRequests.DateField(value, "asOf", out _) is { } e ? (e.Rule, e.Field) : default);

    private static (string, string, int) Describe(IncomeError? error) => (error!.Rule, error.Field, error.Status);
}
