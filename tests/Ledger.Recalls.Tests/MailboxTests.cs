using CsCheck;
using Ledger.Recalls.Events;
using static Ledger.Recalls.Tests.Messages;

namespace Ledger.Recalls.Tests;

/// <summary>Mailboxes: listing, retrieval, traces, the delivery protocol's order independence and limits.</summary>
public sealed class MailboxTests
{
    [Fact]
    public void Entries_are_listed_in_control_number_order_and_paged_with_after_and_limit()
    {
        var world = World();
        for (var i = 1; i <= 5; i++) world.Send(Lender, Recall(reference: $"RCL{i}"));

        var all = world.List(Borrower);
        var page = world.List(Borrower, after: all[1].ControlNumber, limit: 2);

        Assert.Equal(5, all.Count);
        Assert.Equal(all.Select(e => e.ControlNumber).Order(StringComparer.Ordinal), all.Select(e => e.ControlNumber));
        Assert.Equal(all.Skip(2).Take(2), page);
        Assert.Empty(world.List(Borrower, after: all[^1].ControlNumber));
        Assert.Equal("limit-range", MailboxViews.List(world.Mailbox(Borrower), null, 0).Error!.RuleName);
        Assert.Equal("limit-range", MailboxViews.List(world.Mailbox(Borrower), null, MailboxViews.ListLimitMax + 1).Error!.RuleName);
        Assert.Equal(("control-number-format", "after"), (MailboxViews.List(world.Mailbox(Borrower), "12", 1).Error!.RuleName, MailboxViews.List(world.Mailbox(Borrower), "12", 1).Error!.Field));
        Assert.Equal(5, MailboxViews.List(world.Mailbox(Borrower), null, MailboxViews.ListLimitMax).Entries!.Count);
    }

    [Theory]
    [InlineData("0002000000000099", "control-number-known")]
    [InlineData("0002000000000000", "control-number-format")]
    [InlineData("000200000000001", "control-number-format")]
    [InlineData("00020000000000x1", "control-number-format")]
    public void Retrieving_what_is_not_in_the_mailbox_is_refused_and_changes_nothing(string controlNumber, string rule)
    {
        var world = World();
        world.Send(Lender, Recall());
        var journal = world.Journal(Borrower).Count;

        var (view, error) = world.Retrieve(Borrower, controlNumber);

        Assert.Null(view);
        Assert.Equal(rule, error!.RuleName);
        Assert.Equal(journal, world.Journal(Borrower).Count);
    }

    [Fact]
    public void Retrieval_by_anyone_but_the_receiver_or_its_vendor_is_refused()
    {
        var world = World().Letters("V1", Lender);
        var controlNumber = world.Send(Lender, Recall()).ControlNumber;

        Assert.Equal("own-participant", world.Retrieve(new Caller.Participant(new ParticipantId(Lender)), Borrower, controlNumber).Error!.RuleName);
        Assert.Equal("vendor-authorized", world.Retrieve(new Caller.Vendor("V1"), Borrower, controlNumber).Error!.RuleName);
        Assert.Equal("role", world.Retrieve(new Caller.Operator(), Borrower, controlNumber).Error!.RuleName);
        Assert.False(world.List(Borrower).Single().Retrieved);
    }

    [Fact]
    public void The_trace_of_a_message_has_every_step_with_its_time()
    {
        var world = World();
        var controlNumber = world.Send(Lender, Recall()).ControlNumber;
        world.Retrieve(Borrower, controlNumber);

        var trace = world.Trace(controlNumber)!;

        Assert.Equal((controlNumber, Lender, Borrower, "526", "RCL2612010001"), (trace.ControlNumber, trace.Sender, trace.Receiver, trace.MessageType, trace.SenderReference));
        Assert.Equal(["received", "made-available", "acknowledgement", "retrieved", "retrieval-receipt"], trace.Events.Select(e => e.What));
        Assert.Equal(trace.Events.Select(e => e.At).Order(), trace.Events.Select(e => e.At));
        var lender = world.List(Lender);
        Assert.Equal(lender[0].ControlNumber, trace.Events[2].Detail);
        Assert.Equal(lender[1].ControlNumber, trace.Events[4].Detail);
        Assert.Equal(Borrower, trace.Events[1].Detail);
    }

    [Fact]
    public void The_trace_of_a_rejected_message_and_of_the_hubs_own_advice_and_of_an_unknown_number()
    {
        var world = World();
        var rejected = world.Send(Lender, Recall(to: "NOSBUS33XXXX")).ControlNumber;
        var reject = world.List(Lender).Single().ControlNumber;
        world.Retrieve(Lender, reject);

        var trace = world.Trace(rejected)!;
        var advice = world.Trace(reject)!;

        Assert.Equal(["received", "rejected", "reject"], trace.Events.Select(e => e.What));
        Assert.Equal(("receiver-subscribed", reject), (trace.Events[1].Detail, trace.Events[2].Detail));
        Assert.Null(trace.Receiver);
        Assert.Equal((null, Lender, "548"), (advice.Sender, advice.Receiver, advice.MessageType));
        Assert.Equal(["issued", "retrieved"], advice.Events.Select(e => e.What));
        Assert.Null(world.Trace("0001000000000099"));
    }

    [Fact]
    public void A_send_is_answered_once_the_receiver_confirms_and_a_resend_meanwhile_waits_for_the_same_answer()
    {
        var world = World();
        world.AutoDeliver = false;

        var first = world.Send(Lender, Recall());
        var resend = world.Send(Lender, Recall());

        Assert.True(first.Pending);
        Assert.Null(first.Answer);
        Assert.True(resend.Pending);
        Assert.Equal(2, world.Network.Count); // the resend asks the receiver again at once
        world.DeliverAll();
        var answer = Assert.Single(world.LateAnswers);
        Assert.Equal((true, "RCL2612010001"), (answer.Available, answer.SenderReference));
        Assert.Single(world.List(Borrower));
        Assert.Single(world.List(Lender));
    }

    [Fact]
    public void A_retrieval_record_that_overtakes_the_delivery_confirmation_acknowledges_first_and_once()
    {
        var world = World();
        world.AutoDeliver = false;
        world.Send(Lender, Recall());
        world.DeliverAt(0); // the receiver makes it available; its confirmation waits on the network
        var confirmation = world.Network.Single();
        world.Network.Clear();
        var controlNumber = world.Mailbox(Borrower).Entries.Single().ControlNumber;

        world.Retrieve(Borrower, controlNumber);
        world.DeliverAll(); // the retrieval record reaches the lender first
        world.Network.Add(confirmation);
        world.DeliverAll(); // then the late confirmation: nothing more

        Assert.Equal(["acknowledgement", "retrieval-receipt"], world.List(Lender).Select(e => e.Kind));
        Assert.Empty(world.Mailbox(Borrower).ReceiptsPending);
    }

    [Fact]
    public void A_mailbox_with_the_maximum_in_flight_refuses_one_more_send_and_changes_nothing()
    {
        var world = World();
        world.AutoDeliver = false;
        for (var i = 0; i < MailboxDecider.DeliveriesInFlightMax; i++) Assert.True(world.Send(Lender, Recall(reference: $"R{i}")).Pending);
        var journal = world.Journal(Lender).Count;

        var refused = world.Send(Lender, Recall(reference: "ONEMORE"));

        Assert.Equal("deliveries-in-flight-max", refused.Refusal!.RuleName);
        Assert.Equal(journal, world.Journal(Lender).Count);
        world.DeliverAll();
        Assert.True(world.Send(Lender, Recall(reference: "ONEMORE")).Pending);
    }

    [Fact]
    public void Control_numbers_are_the_owners_participant_then_twelve_digits_and_read_back()
    {
        var number = ControlNumber.Of(new ParticipantId("0042"), 17);

        Assert.Equal("0042000000000017", number);
        Assert.True(ControlNumber.TryParse(number, out var owner, out var sequence));
        Assert.Equal((new ParticipantId("0042"), 17L), (owner, sequence));
        Assert.Equal("0042999999999999", ControlNumber.Of(new ParticipantId("0042"), ControlNumber.SequenceMax));
        Assert.Throws<InvariantViolation>(() => ControlNumber.Of(new ParticipantId("0042"), ControlNumber.SequenceMax + 1));
        Assert.Throws<InvariantViolation>(() => ControlNumber.Of(new ParticipantId("0042"), 0));
    }

    /// <summary>
    /// Exactly once under a hostile network: messages between mailboxes are delivered in any order,
    /// duplicated and lost, and mailboxes crash (rebuilt from their journals, then resending). Once
    /// everything settles, every acknowledged message is in its receiver's mailbox exactly once,
    /// with one acknowledgement; every retrieved message has exactly one retrieval receipt; control
    /// numbers are unique and grow in each mailbox; and every mailbox replays to its live state.
    /// </summary>
    [Fact]
    public void Delivery_and_receipts_happen_exactly_once_under_duplicated_reordered_and_lost_messages_and_crashes()
    {
        var step = Gen.Select(Gen.Int[0, 9], Gen.Int[0, 1000], Gen.Int[0, 1000]);
        step.Array[1, 120].Sample(steps =>
        {
            var world = World().Subscribe("0004", "THRDUS33");
            world.AutoDeliver = false;
            string[] firms = [Lender, Borrower, "0004"];
            string[] addresses = ["LENDUS33AXXX", "BORRUS33AXXX", "THRDUS33AXXX"];
            foreach (var (kind, a, b) in steps)
            {
                switch (kind)
                {
                    case 0 or 1 or 2:
                        var from = a % 3;
                        var to = (from + 1 + b % 2) % 3;
                        world.Send(firms[from], Recall(reference: $"R{a % 7}", from: addresses[from], to: addresses[to], shares: b % 5 == 0 ? "600," : "500,"));
                        break;
                    case 3:
                        var box = world.Mailbox(firms[a % 3]);
                        if (box.Entries.Count > 0) world.Retrieve(firms[a % 3], box.Entries[b % box.Entries.Count].ControlNumber);
                        break;
                    case 4 or 5:
                        if (world.Network.Count > 0) world.DeliverAt(a % world.Network.Count);
                        break;
                    case 6:
                        if (world.Network.Count > 0) world.Network.Add(world.Network[a % world.Network.Count]); // duplicated
                        break;
                    case 7:
                        if (world.Network.Count > 0) world.Network.RemoveAt(a % world.Network.Count); // lost
                        break;
                    case 8:
                        world.Crash(new ParticipantId(firms[a % 3]));
                        break;
                    default:
                        world.ResendAll();
                        break;
                }
            }
            for (var round = 0; round < 3; round++)
            {
                world.ResendAll();
                world.DeliverAll();
            }
            HubInvariants.Hold(world);
        }, iter: 300);
    }
}

/// <summary>The invariants of recall-hub.md section 4 over a settled world.</summary>
public static class HubInvariants
{
    public static void Hold(HubWorld world)
    {
        var all = world.Mailboxes.ToList();
        var numbers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in all)
        {
            var box = world.Mailbox(p);
            Assert.Equal(box.Entries.Select(e => e.ControlNumber).Order(StringComparer.Ordinal), box.Entries.Select(e => e.ControlNumber));
            foreach (var e in box.Entries)
            {
                Assert.True(numbers.Add(e.ControlNumber), $"control number {e.ControlNumber} twice");
                Assert.Equal(p, ControlNumber.Owner(e.ControlNumber));
            }
            foreach (var s in box.Sent.Where(s => s.Status == SentStatus.Rejected)) Assert.True(numbers.Add(s.ControlNumber!));

            var replayed = MailboxState.Replay(p, world.Journal(p.Value));
            Assert.Equal(box.Entries, replayed.Entries);
            Assert.Equal(box.Sent.OrderBy(s => s.SenderReference, StringComparer.Ordinal), replayed.Sent.OrderBy(s => s.SenderReference, StringComparer.Ordinal));
            Assert.Equal(box.NextSequence, replayed.NextSequence);
        }
        foreach (var sender in all)
        {
            var box = world.Mailbox(sender);
            foreach (var sent in box.Sent)
            {
                Assert.NotEqual(SentStatus.InFlight, sent.Status); // settled: every taken message was confirmed
                var acks = box.Entries.Count(e => e.Kind == EntryKind.Acknowledgement && e.SenderReference == sent.SenderReference);
                var receipts = box.Entries.Count(e => e.Kind == EntryKind.RetrievalReceipt && e.SenderReference == sent.SenderReference);
                if (sent.Status == SentStatus.Rejected)
                {
                    Assert.Equal(0, acks + receipts);
                    continue;
                }
                var copies = world.Mailbox(sent.Receiver!.Value).Entries.Where(e => e.Kind == EntryKind.Message && e.Sender == sender && e.SenderReference == sent.SenderReference).ToList();
                var copy = Assert.Single(copies);
                Assert.Equal(sent.ControlNumber, copy.ControlNumber);
                Assert.Equal(sent.Text, copy.Text);
                Assert.Equal(1, acks);
                Assert.Equal(copy.Retrieved ? 1 : 0, receipts);
            }
        }
        foreach (var receiver in all)
        {
            foreach (var e in world.Mailbox(receiver).Entries.Where(e => e.Kind == EntryKind.Message))
                Assert.Equal(SentStatus.Available, world.Mailbox(e.Sender!.Value).FindSent(e.SenderReference)!.Status);
            Assert.Empty(world.Mailbox(receiver).ReceiptsPending);
        }
    }
}
