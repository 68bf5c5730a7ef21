using System.Text;
using Ledger.Settlement.Events;

namespace Ledger.Journal.Tests;

/// <summary>
/// A stock loan's terms (<c>rebateRate</c>, <c>collateralMargin</c>) inside a journaled order, and a
/// payment order's published drop (<c>order</c>, <c>businessDate</c> on <c>account.delivery-dropped.v1</c>),
/// were added to stored event types: written only when set, so every event stored before them (and
/// every order without terms) serializes back to exactly its stored bytes, and its chain holds.
/// </summary>
public sealed class LoanTermsPayloadTests
{
    private static string GoldenFolder => Path.Combine(AppContext.BaseDirectory, "Golden");

    [Theory]
    [InlineData("account.delivery-reserved.v2", "account.delivery-reserved.v2+loan-terms", "\"rebateRate\":")]
    [InlineData("account.receive-completed.v2", "account.receive-completed.v2+loan-terms", "\"collateralMargin\":")]
    [InlineData("account.delivery-dropped.v1", "account.delivery-dropped.v1+payment-order", "\"order\":")]
    public void An_event_stored_without_the_added_fields_serializes_back_to_its_stored_bytes(string manifest, string variant, string addedField)
    {
        var old = (AccountEvent)LedgerSerializer.FromUtf8Json(File.ReadAllBytes(Path.Combine(GoldenFolder, manifest + ".json")), manifest);
        var stored = LedgerSerializer.ToUtf8Json(EventChain.Seal(EventChain.Genesis, old));
        var withField = (AccountEvent)SampleEvents.Variants[variant];
        var storedWithField = LedgerSerializer.ToUtf8Json(EventChain.Seal(EventChain.Genesis, withField));

        var again = LedgerSerializer.ToUtf8Json(LedgerSerializer.FromUtf8Json(stored, manifest));
        var againWithField = LedgerSerializer.ToUtf8Json(LedgerSerializer.FromUtf8Json(storedWithField, manifest));

        Assert.Equal(Encoding.UTF8.GetString(stored), Encoding.UTF8.GetString(again));
        Assert.DoesNotContain(addedField, Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
        Assert.DoesNotContain("\"rebateRate\"", Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetString(storedWithField), Encoding.UTF8.GetString(againWithField));
        Assert.Contains(addedField, Encoding.UTF8.GetString(storedWithField), StringComparison.Ordinal);
        var check = new JournalCheck("account-0001");
        Assert.True(check.Take(1, LedgerSerializer.FromUtf8Json(stored, manifest)), check.Finding?.ToString());
        var checkWithField = new JournalCheck("account-0001");
        Assert.True(checkWithField.Take(1, LedgerSerializer.FromUtf8Json(storedWithField, manifest)), checkWithField.Finding?.ToString());
    }

    [Fact]
    public void The_terms_keep_their_value_through_the_journal()
    {
        var reserved = (DeliveryReserved)SampleEvents.Variants["account.delivery-reserved.v2+loan-terms"];

        var back = (DeliveryReserved)LedgerSerializer.FromUtf8Json(LedgerSerializer.ToUtf8Json(reserved), "account.delivery-reserved.v2");

        Assert.Equal((-0.0025m, 1.05m), (back.Order.RebateRate, back.Order.CollateralMargin));
    }
}
