using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>A deliver order that breaks an entry rule is refused whole and changes nothing.</summary>
public sealed class EntryRuleTests
{
    private static InMemoryLedger Ledger() =>
        NewLedger()
            .Participant(A, 0m, 0m, marketLoanProgram: true)
            .Participant(B, 1_000_000m, 1_000_000m)
            .Participant(Occ, 0m, 0m, centralCounterparty: true)
            .Holds(A, 1_000);

    private static DeliverOrderRequest Good => Request("DO-1", A, B, 1_000, 100_000m);

    private static void Refused(DeliverOrderRequest request, EntryRejection rule, string field)
    {
        var ledger = Ledger();
        var events = ledger.EventCount();

        var result = ledger.Submit(request, Morning);

        Assert.False(result.Accepted);
        Assert.Equal(rule, result.Error!.Rule);
        Assert.Equal(field, result.Error.Field);
        Assert.Equal(events, ledger.EventCount());
        Assert.Equal(0, ledger.Index.Count);
        Assert.True(ledger.IsQuiet);
    }

    private static void Accepted(DeliverOrderRequest request)
    {
        var result = Ledger().Submit(request, Morning);
        Assert.True(result.Accepted, result.Error?.Message);
    }

    [Theory]
    [InlineData("037833100", true)]   // Apple
    [InlineData("594918104", true)]   // Microsoft
    [InlineData("38259P508", true)]   // letters count by their value
    [InlineData("037833101", false)]  // wrong check digit
    [InlineData("037833109", false)]
    [InlineData("38259p508", false)]  // lower case is not a CUSIP character
    [InlineData("03783310", false)]
    [InlineData("0378331000", false)]
    [InlineData("03783310A", false)]  // the check digit is a digit
    [InlineData("", false)]
    public void Cusip_check_digit_is_modulus_10_double_add_double(string cusip, bool valid) =>
        Assert.Equal(valid, Cusip.IsValid(cusip));

    [Fact]
    public void Deliver_order_with_a_wrong_cusip_check_digit_is_refused() =>
        Refused(Good with { Cusip = "037833101" }, EntryRejection.InvalidCusip, "cusip");

    [Fact]
    public void Deliver_order_for_an_unlisted_security_is_refused() =>
        Refused(Good with { Cusip = Z }, EntryRejection.UnknownSecurity, "cusip");

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    public void Shares_not_above_zero_are_refused(long shares) =>
        Refused(Good with { Shares = shares }, EntryRejection.SharesNotPositive, "shares");

    [Fact]
    public void Shares_above_the_maximum_are_refused() =>
        Refused(Good with { Shares = DeliverOrder.SharesMax + 1 }, EntryRejection.SharesAboveMaximum, "shares");

    [Fact]
    public void Shares_at_the_maximum_and_one_share_are_accepted()
    {
        Accepted(Good with { Shares = DeliverOrder.SharesMax });
        Accepted(Good with { Shares = 1 });
    }

    [Theory]
    [InlineData("-0.01")]
    [InlineData("-100000")]
    public void Negative_amount_is_refused(string amount) =>
        Refused(Good with { Amount = Dollars(amount) }, EntryRejection.AmountNegative, "amount");

    [Theory]
    [InlineData("0.001")]
    [InlineData("100000.005")]
    [InlineData("1.999")]
    public void Amount_with_three_decimals_is_refused(string amount) =>
        Refused(Good with { Amount = Dollars(amount) }, EntryRejection.AmountMoreThanTwoDecimals, "amount");

    [Fact]
    public void Amount_above_the_maximum_is_refused() =>
        Refused(Good with { Amount = Money.AmountMax.Dollars + 0.01m }, EntryRejection.AmountAboveMaximum, "amount");

    [Theory]
    [InlineData("0")]            // free
    [InlineData("0.01")]
    [InlineData("1.10")]
    [InlineData("100000.000")]   // trailing zeros are still whole cents
    [InlineData("1000000000000")] // the maximum, $1 trillion
    public void Amount_in_whole_cents_up_to_the_maximum_is_accepted(string amount) =>
        Accepted(Good with { Amount = Dollars(amount) });

    [Fact]
    public void Unknown_participant_is_refused()
    {
        Refused(Good with { Receiver = "0999" }, EntryRejection.UnknownParticipant, "receiver");
        Refused(Good with { Deliverer = "0999" }, EntryRejection.UnknownParticipant, "deliverer");
    }

    [Theory]
    [InlineData("12a4")]
    [InlineData("123")]
    [InlineData("00001")]
    public void Malformed_participant_number_is_refused(string participant) =>
        Refused(Good with { Receiver = participant }, EntryRejection.InvalidParticipantId, "receiver");

    [Fact]
    public void Deliverer_equal_to_receiver_is_refused() =>
        Refused(Good with { Receiver = A }, EntryRejection.DelivererIsReceiver, "receiver");

    [Fact]
    public void Delivery_to_the_central_counterparty_by_a_participant_outside_the_market_loan_program_is_refused() =>
        Refused(Good with { Deliverer = B, Receiver = Occ }, EntryRejection.NotInMarketLoanProgram, "deliverer");

    [Fact]
    public void Delivery_from_the_central_counterparty_to_a_participant_outside_the_market_loan_program_is_refused() =>
        Refused(Good with { Deliverer = Occ, Receiver = B }, EntryRejection.NotInMarketLoanProgram, "receiver");

    [Fact]
    public void Market_loan_program_participant_may_deal_with_the_central_counterparty()
    {
        Accepted(Good with { Deliverer = A, Receiver = Occ });
        Accepted(Good with { Deliverer = Occ, Receiver = A });
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123X")] // 65 characters
    public void Malformed_deliver_order_id_is_refused(string? id) =>
        Refused(Good with { Id = id }, id is null ? EntryRejection.Missing : EntryRejection.InvalidDeliverOrderId, "id");

    [Fact]
    public void Same_id_with_another_payload_is_refused_and_changes_nothing()
    {
        var ledger = Ledger();
        Expect(ledger.Settle("DO-1", A, B, 1_000, 100_000m), "completed");
        var events = ledger.EventCount();

        var result = ledger.Submit(Request("DO-1", A, B, 1_000, 100_000.01m), At(15));
        ledger.DeliverAll();

        Assert.False(result.Accepted);
        Assert.Equal(EntryRejection.SameIdOtherPayload, result.Error!.Rule);
        Assert.Equal(events, ledger.EventCount());
        Assert.Equal(100_000m, ledger.Order("DO-1").Amount);
    }

    [Fact]
    public void Same_id_with_the_same_payload_is_accepted_once_and_has_no_second_effect()
    {
        var ledger = Ledger().Holds(A, 1_000);
        var first = ledger.Submit(Good, Morning);
        ledger.DeliverAll();
        var events = ledger.EventCount();

        var again = ledger.Submit(Good, At(15));
        ledger.DeliverAll();

        Assert.True(first.Accepted);
        Assert.False(first.Resubmitted);
        Assert.True(again.Accepted);
        Assert.True(again.Resubmitted);
        Expect(again.DeliverOrder!, "completed");
        Assert.Equal(events, ledger.EventCount());
        Assert.Equal(1_000, ledger.Position(B));
        Assert.Equal(1_000, ledger.Position(A));
        Assert.Equal(1, ledger.Index.Count);
    }
}

/// <summary>A participant's name is printable text: letters of any script, but nothing that hides or reorders what it shows.</summary>
public sealed class NameRuleTests
{
    [Theory]
    [InlineData("Lender Securities")]
    [InlineData("Société Générale")]
    [InlineData("株式会社")]
    [InlineData("Bank 🏦")]
    [InlineData("A")]
    public void A_printable_name_is_taken(string name) => Assert.Null(EntryRules.NameField(name, "name"));

    [Fact]
    public void A_name_of_the_largest_length_is_taken_and_one_more_is_refused()
    {
        Assert.Null(EntryRules.NameField(new string('N', EntryRules.NameLengthMax), "name"));
        Assert.Equal(EntryRejection.InvalidName, EntryRules.NameField(new string('N', EntryRules.NameLengthMax + 1), "name")!.Rule);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Firm\u202Eevil")]   // right-to-left override
    [InlineData("\u2066Firm\u2069")] // isolates
    [InlineData("Zero\u200Bwidth")]
    [InlineData("\uFEFFFirm")]      // byte order mark
    [InlineData("Line\u2028break")]
    [InlineData("Para\u2029graph")]
    [InlineData("Nul\u0000")]
    [InlineData("Tab\tname")]
    [InlineData("Private\uE000")]
    [InlineData("Unassigned\u0378")]
    [InlineData("Lone surrogate")]
    public void A_name_with_invisible_or_reordering_characters_is_refused(string name)
    {
        // Attributes cannot carry a lone surrogate; this row puts one in.
        if (name == "Lone surrogate") name = "Lone " + (char)0xD800 + " and " + (char)0xDC00;
        var error = EntryRules.NameField(name, "name");

        Assert.NotNull(error);
        Assert.Equal(EntryRejection.InvalidName, error.Rule);
        Assert.Equal("name", error.Field);
    }
}
