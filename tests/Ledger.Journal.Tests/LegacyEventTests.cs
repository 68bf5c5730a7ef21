using System.Text;
using Ledger.Settlement.Events;

namespace Ledger.Journal.Tests;

/// <summary>
/// Check inputs moved from JSON decimals (".v1") to whole cents (".v2"). A ".v1" event still reads,
/// still hashes to the chain it was stored with, and upcasts to today's event with the same cents.
/// </summary>
public sealed class LegacyEventTests
{
    // As release 7f8c477 wrote a reserved delivery: whole-cent values, written as JSON numbers of a decimal.
    private const string StoredV1 = """
        {"order":{"id":"DO-1","deliverer":"0101","receiver":"0981","cusip":"037833100","shares":5,"amountCents":500,"reasonCode":"ML","reclaimOf":null},"terms":{"priceCents":100,"haircut":0.1,"version":1},"inputs":{"availableShares":5,"collateralMonitorCents":1250000,"collateralDeltaCents":-51,"settlementBalanceCents":0,"netDebitCapCents":0,"collateralMonitorBypassed":false,"rule":"passed"},"pendedBefore":false,"at":"2026-03-02T14:30:00+00:00","chain":null}
        """;

    [Fact]
    public void A_v1_event_reads_as_its_legacy_type_and_serializes_back_to_its_stored_bytes()
    {
        var stored = LedgerSerializer.FromUtf8Json(Encoding.UTF8.GetBytes(StoredV1), "account.delivery-reserved.v1");

        Assert.IsType<DeliveryReservedV1>(stored);
        // The chain hashes an event's bytes as its type writes them: the legacy type keeps them exact.
        Assert.Equal(StoredV1, Encoding.UTF8.GetString(LedgerSerializer.ToUtf8Json(stored)));
        Assert.Equal("account.delivery-reserved.v1", LedgerSerializer.ManifestFor(stored.GetType()));
    }

    [Fact]
    public void A_v1_event_upcasts_to_the_same_whole_cents_and_keeps_its_chain()
    {
        var sealedV1 = EventChain.Seal(EventChain.Genesis, (DeliveryReservedV1)LedgerSerializer.FromUtf8Json(Encoding.UTF8.GetBytes(StoredV1), "account.delivery-reserved.v1"));

        var current = Assert.IsType<DeliveryReserved>(Upcast.ToCurrent(sealedV1));

        Assert.Equal(1_250_000, current.Inputs.CollateralMonitorCents);
        Assert.Equal(-51, current.Inputs.CollateralDeltaCents);
        Assert.Equal(sealedV1.Chain, current.Chain);
        Assert.Equal(sealedV1.Order, current.Order);
        Assert.Equal(sealedV1.Terms, current.Terms);
        Assert.Equal(sealedV1.At, current.At);
        // The chain check runs on the event as stored: it accepts the legacy form, not the upcast one.
        var check = new JournalCheck(Journals.AccountPrefix + "0101");
        Assert.True(check.Take(1, sealedV1), check.Finding?.Describe());
    }

    [Theory]
    [InlineData("account.delivery-pended.v1", typeof(DeliveryPended))]
    [InlineData("account.receive-completed.v1", typeof(ReceiveCompleted))]
    [InlineData("account.receive-pended.v1", typeof(ReceivePended))]
    [InlineData("account.look-ahead-proposed.v1", typeof(LookAheadProposed))]
    [InlineData("account.delivery-reserved.v1", typeof(DeliveryReserved))]
    public void Every_v1_event_with_check_inputs_upcasts_to_its_v2_type(string manifest, Type current)
    {
        var golden = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Golden", manifest + ".json"));

        var upcast = Upcast.ToCurrent(LedgerSerializer.FromUtf8Json(golden, manifest));

        Assert.IsType(current, upcast);
        Assert.Equal(manifest.Replace(".v1", ".v2", StringComparison.Ordinal), LedgerSerializer.ManifestFor(upcast.GetType()));
    }

    [Theory]
    // No release wrote a fraction of a cent (the checks floor collateral values and ceiling a
    // delivery's cost); one would be taken toward less collateral, as the checks round.
    [InlineData("125000000.50", "-3276562.5", 125000000L, -3276563L)]
    [InlineData("0", "0", 0L, 0L)]
    [InlineData("-0.01", "12345.99", -1L, 12345L)]
    public void Inputs_become_whole_cents_floored(string monitor, string delta, long monitorCents, long deltaCents)
    {
        var v1 = new CheckInputsV1(1, decimal.Parse(monitor, System.Globalization.CultureInfo.InvariantCulture),
            decimal.Parse(delta, System.Globalization.CultureInfo.InvariantCulture), 2, 3, false, "passed");

        var inputs = Upcast.Inputs(v1);

        Assert.Equal(new CheckInputs(1, monitorCents, deltaCents, 2, 3, false, "passed"), inputs);
    }

    [Fact]
    public void New_events_are_written_under_v2_with_integer_cents()
    {
        var e = new DeliveryReserved(new DeliverOrderData("DO-1", "0101", "0981", "037833100", 5, 500, "ML"), new TermsData(100, 0.1m, 1),
            new CheckInputs(5, 1_250_000, -51, 0, 0, false, "passed"), false, new DateTimeOffset(2026, 3, 2, 14, 30, 0, TimeSpan.Zero));

        var json = Encoding.UTF8.GetString(LedgerSerializer.ToUtf8Json(e));

        Assert.Equal("account.delivery-reserved.v2", LedgerSerializer.ManifestFor(typeof(DeliveryReserved)));
        Assert.Contains("\"collateralMonitorCents\":1250000,\"collateralDeltaCents\":-51,", json, StringComparison.Ordinal);
    }
}
