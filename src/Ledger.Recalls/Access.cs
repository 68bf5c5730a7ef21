namespace Ledger.Recalls;

/// <summary>Who is asking: the role of the bearer token and whom it names.</summary>
public abstract record Caller
{
    public sealed record Participant(ParticipantId Id) : Caller;

    public sealed record Vendor(string Id) : Caller;

    public sealed record Operator : Caller;

    public sealed record Risk : Caller;

    /// <summary>Any other role (OCC): the hub serves it nothing.</summary>
    public sealed record Other(string Role) : Caller;
}

/// <summary>
/// What a caller may see and do in the hub. A participant acts only for itself, a vendor only for
/// the participants whose authorization letters for it are on file; every other answer is a refusal
/// naming its rule (403 at the HTTP edge).
/// </summary>
public static class HubAccess
{
    /// <summary>Null when <paramref name="caller"/> may act for <paramref name="participant"/> (send, list and retrieve its mailbox).</summary>
    public static HubError? ActFor(Caller caller, ParticipantId participant, RegistryState registry, string field = "participant") => caller switch
    {
        Caller.Participant p when p.Id == participant => null,
        Caller.Participant p => new HubError(HubRule.OwnParticipant, field, $"participant {p.Id} may act only for itself, not for {participant}"),
        Caller.Vendor v when registry.VendorActsFor(v.Id, participant) => null,
        Caller.Vendor v => new HubError(HubRule.VendorAuthorized, field, $"vendor {v.Id} holds no authorization letter from participant {participant}"),
        _ => new HubError(HubRule.Role, field, "only a participant or its vendor may do this"),
    };

    /// <summary>
    /// Null when <paramref name="caller"/> may read the trace of a message sent by
    /// <paramref name="sender"/>, or, for one of the hub's own status advices, addressed to
    /// <paramref name="sender"/>: that participant (or its vendor), risk, the operator.
    /// </summary>
    public static HubError? Trace(Caller caller, ParticipantId sender, RegistryState registry) => caller switch
    {
        Caller.Operator or Caller.Risk => null,
        Caller.Participant or Caller.Vendor => ActFor(caller, sender, registry, "controlNumber"),
        _ => new HubError(HubRule.Role, "controlNumber", "only the sender, risk or the operator may trace a message"),
    };

    /// <summary>Null when <paramref name="caller"/> may fetch eligibility files: the operator, a subscriber, a vendor acting for one.</summary>
    public static HubError? Eligibility(Caller caller, RegistryState registry) => caller switch
    {
        Caller.Operator => null,
        Caller.Participant p when registry.Find(p.Id) is not null => null,
        Caller.Vendor v when registry.Vendors.TryGetValue(v.Id, out var vendor) && vendor.AuthorizedParticipants.Any(a => registry.Subscribers.ContainsKey(a)) => null,
        Caller.Participant or Caller.Vendor => new HubError(HubRule.CallerSubscribed, "date", "only subscribers and the vendors acting for them may fetch the eligibility file"),
        _ => new HubError(HubRule.Role, "date", "only subscribers, their vendors and the operator may fetch the eligibility file"),
    };

    /// <summary>The subscribers a caller may see: all for the operator and risk, itself for a participant, those that authorized it for a vendor.</summary>
    public static IEnumerable<Subscriber> VisibleSubscribers(Caller caller, RegistryState registry) => caller switch
    {
        Caller.Operator or Caller.Risk => registry.Subscribers.Values,
        Caller.Participant p => registry.Find(p.Id) is { } s ? [s] : [],
        Caller.Vendor v => registry.Vendors.TryGetValue(v.Id, out var vendor)
            ? vendor.AuthorizedParticipants.Where(registry.Subscribers.ContainsKey).Select(id => registry.Subscribers[id])
            : [],
        _ => [],
    };
}
