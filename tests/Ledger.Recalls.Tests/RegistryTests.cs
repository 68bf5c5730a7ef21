using Ledger.Recalls.Events;

namespace Ledger.Recalls.Tests;

/// <summary>Subscriptions, vendor letters, eligibility files and what each caller may see of them.</summary>
public sealed class RegistryTests
{
    private static readonly DateTimeOffset At = HubWorld.Start;

    [Fact]
    public void Subscribing_writes_one_event_and_the_same_subscription_again_writes_nothing()
    {
        var first = RegistryDecider.Decide(RegistryState.Empty, new Subscribe("0001", "Lender", "LENDUS33", null, At));
        var state = RegistryState.Replay(first.Events);

        Assert.Equal([new SubscriberSubscribed("0001", "Lender", "LENDUS33", null, At)], first.Events);
        Assert.Equal(RegistryDecision.Unchanged, RegistryDecider.Decide(state, new Subscribe("0001", "Lender", "LENDUS33", null, At)));
        Assert.Equal("LENDUS33XXX", state.Find(new ParticipantId("0001"))!.Bic.Value);
    }

    [Fact]
    public void Changing_an_address_frees_the_old_one_for_routing()
    {
        var world = new HubWorld().Subscribe("0001", "LENDUS33").Subscribe("0001", "LENDGB2L");

        Assert.Null(world.Registry.FindByTerminal(LogicalTerminal.Parse("LENDUS33XXXX")));
        Assert.Equal("0001", world.Registry.FindByTerminal(LogicalTerminal.Parse("LENDGB2LAXXX"))!.Participant.Value);
        var replayed = RegistryState.Replay(world.RegistryJournal); // replay equals live
        Assert.Equal(world.Registry.Subscribers.ToList(), replayed.Subscribers.ToList());
        Assert.Equal(world.Registry.ByAddress.OrderBy(a => a.Key.Value).ToList(), replayed.ByAddress.OrderBy(a => a.Key.Value).ToList());
    }

    [Theory]
    [InlineData("001", "N", "LENDUS33", null, "participant-id-format", "participant")]
    [InlineData("0001", "", "LENDUS33", null, "name-format", "name")]
    [InlineData("0001", "Bad\u202EName", "LENDUS33", null, "name-format", "name")]
    [InlineData("0001", "N", "LENDUS3", null, "address-format", "address")]
    [InlineData("0001", "N", "lendus33", null, "address-format", "address")]
    [InlineData("0001", "N", "LEND1S33", null, "address-format", "address")]
    [InlineData("0001", "N", "LENDUS33XXXX", null, "address-format", "address")]
    [InlineData("0001", "N", "LENDUS33", "", "vendor-id-format", "vendor")]
    [InlineData("0001", "N", "LENDUS33", "V 1", "vendor-id-format", "vendor")]
    [InlineData("0002", "N", "LENDUS33XXX", null, "address-unique", "address")] // BIC8 and BIC11 with XXX are one address
    public void A_bad_subscription_is_refused_naming_field_and_rule_and_changes_nothing(string participant, string name, string address, string? vendor, string rule, string field)
    {
        var world = new HubWorld().Subscribe("0001", "LENDUS33");
        var before = world.Registry;

        var decision = world.DecideRegistry(new Subscribe(participant, name, address, vendor, At));

        Assert.Empty(decision.Events);
        Assert.Equal((rule, field), (decision.Error!.RuleName, decision.Error.Field));
        Assert.Same(before, world.Registry);
    }

    [Fact]
    public void Unsubscribing_removes_the_address_and_unsubscribing_a_non_subscriber_is_refused()
    {
        var world = new HubWorld().Subscribe("0001", "LENDUS33");

        Assert.Null(world.DecideRegistry(new Unsubscribe("0001", At)).Error);
        Assert.Null(world.Registry.FindByTerminal(LogicalTerminal.Parse("LENDUS33XXXX")));
        Assert.Equal("subscriber-known", world.DecideRegistry(new Unsubscribe("0001", At)).Error!.RuleName);
    }

    [Fact]
    public void Vendor_letters_replace_the_list_before_them_and_are_kept_sorted_without_duplicates()
    {
        var world = new HubWorld().Letters("V1", "0003", "0001", "0003");

        Assert.Equal(["0001", "0003"], world.Registry.Vendors["V1"].AuthorizedParticipants);
        world.Letters("V1", "0002");
        Assert.True(world.Registry.VendorActsFor("V1", new ParticipantId("0002")));
        Assert.False(world.Registry.VendorActsFor("V1", new ParticipantId("0001")));
        Assert.False(world.Registry.VendorActsFor("V2", new ParticipantId("0002")));
        var bad = world.DecideRegistry(new FileVendorLetters("V1", "V", ["0001", "12"], At));
        Assert.Equal(("participant-id-format", "authorizedParticipants[1]"), (bad.Error!.RuleName, bad.Error.Field));
        var tooMany = world.DecideRegistry(new FileVendorLetters("V1", "V", Enumerable.Repeat<string?>("0001", RegistryState.AuthorizedParticipantsMax + 1).ToList(), At));
        Assert.Equal("authorized-participants-max", tooMany.Error!.RuleName);
    }

    [Fact]
    public void The_eligibility_file_quotes_names_as_rfc_4180_lists_vendors_and_is_written_once_per_date()
    {
        var world = new HubWorld()
            .Subscribe("0002", "BORRUS33XXX", vendor: "DEMOVEND", name: "Borrower \"B\" Capital, Inc.")
            .Subscribe("0001", "LENDUS33", name: "Lender");
        var friday = new DateOnly(2026, 11, 27);
        var thanksgivingWeek = new BusinessCalendar([new Holiday(new DateOnly(2026, 11, 30), "a Monday off")]);
        var next = EligibilityFile.DateAfterClose(thanksgivingWeek, friday);

        world.DecideRegistry(new WriteEligibilityFile(friday, next, At));
        world.Subscribe("0003", "THRDUS33");
        var again = world.DecideRegistry(new WriteEligibilityFile(friday, next, At));

        Assert.Equal(new DateOnly(2026, 12, 1), next); // over the weekend and the holiday
        Assert.Empty(again.Events);
        Assert.Equal(
            "participant,name,address,vendor\r\n0001,Lender,LENDUS33,\r\n0002,\"Borrower \"\"B\"\" Capital, Inc.\",BORRUS33XXX,DEMOVEND\r\n",
            world.Registry.EligibilityFiles[next]);
    }

    [Fact]
    public void What_a_caller_may_see_a_participant_itself_a_vendor_the_participants_that_authorized_it()
    {
        var world = Messages.World().Subscribe("0004", "THRDUS33").Letters("V1", "0002", "0009");
        var registry = world.Registry;
        var all = registry.Subscribers.Values.ToList();

        Assert.Equal(all, HubAccess.VisibleSubscribers(new Caller.Operator(), registry));
        Assert.Equal(["0001"], HubAccess.VisibleSubscribers(new Caller.Participant(new ParticipantId("0001")), registry).Select(s => s.Participant.Value));
        Assert.Equal(["0002"], HubAccess.VisibleSubscribers(new Caller.Vendor("V1"), registry).Select(s => s.Participant.Value));
        Assert.Empty(HubAccess.VisibleSubscribers(new Caller.Vendor("V2"), registry));
        Assert.Empty(HubAccess.VisibleSubscribers(new Caller.Other("occ"), registry));

        Assert.Null(HubAccess.Eligibility(new Caller.Participant(new ParticipantId("0001")), registry));
        Assert.Null(HubAccess.Eligibility(new Caller.Vendor("V1"), registry));
        Assert.Null(HubAccess.Eligibility(new Caller.Operator(), registry));
        Assert.Equal("caller-subscribed", HubAccess.Eligibility(new Caller.Participant(new ParticipantId("0003")), registry)!.RuleName);
        Assert.Equal("caller-subscribed", HubAccess.Eligibility(new Caller.Vendor("V2"), registry)!.RuleName);
        Assert.Equal("role", HubAccess.Eligibility(new Caller.Risk(), registry)!.RuleName);

        Assert.Equal("own-participant", HubAccess.ActFor(new Caller.Participant(new ParticipantId("0001")), new ParticipantId("0002"), registry)!.RuleName);
        Assert.Equal("vendor-authorized", HubAccess.ActFor(new Caller.Vendor("V1"), new ParticipantId("0001"), registry)!.RuleName);
        Assert.Equal("role", HubAccess.ActFor(new Caller.Operator(), new ParticipantId("0001"), registry)!.RuleName);
        Assert.Null(HubAccess.Trace(new Caller.Risk(), new ParticipantId("0001"), registry));
        Assert.Equal("own-participant", HubAccess.Trace(new Caller.Participant(new ParticipantId("0002")), new ParticipantId("0001"), registry)!.RuleName);
    }
}

/// <summary>Eligibility files of past dates stay fetchable by date; other dates are refused by name.</summary>
public sealed class EligibilityFileTests
{
    [Fact]
    public void Files_of_every_written_date_are_found_and_others_are_refused()
    {
        var world = Messages.World();
        world.DecideRegistry(new WriteEligibilityFile(new DateOnly(2026, 12, 1), new DateOnly(2026, 12, 2), world.Tick()));
        world.DecideRegistry(new Unsubscribe(Messages.Borrower, world.Tick()));
        world.DecideRegistry(new WriteEligibilityFile(new DateOnly(2026, 12, 2), new DateOnly(2026, 12, 3), world.Tick()));

        Assert.Contains("0002,", EligibilityFile.Find(world.Registry, "2026-12-02").Csv, StringComparison.Ordinal);
        Assert.DoesNotContain("0002,", EligibilityFile.Find(world.Registry, "2026-12-03").Csv, StringComparison.Ordinal);
        Assert.Equal("eligibility-file-known", EligibilityFile.Find(world.Registry, "2026-12-04").Error!.RuleName);
        Assert.Equal(("date-format", "date"), (EligibilityFile.Find(world.Registry, "12/02/2026").Error!.RuleName, EligibilityFile.Find(world.Registry, "12/02/2026").Error!.Field));
        Assert.Equal("date-format", EligibilityFile.Find(world.Registry, null).Error!.RuleName);
    }
}
