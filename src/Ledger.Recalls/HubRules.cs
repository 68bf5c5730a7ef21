namespace Ledger.Recalls;

/// <summary>
/// Every rule the hub refuses or rejects by. Numbers are never reused; <see cref="HubError.RuleName"/>
/// is the stable name an answer carries (problem+json <c>rule</c>, a reject's <c>:70D::REAS//</c>).
/// </summary>
public enum HubRule
{
    /// <summary>The blocks are not well formed, or the message has no usable sender reference.</summary>
    MessageFormat = 1,
    /// <summary>The message type in block 2 is not one the hub carries (526, 516, 592).</summary>
    MessageType = 2,
    /// <summary>The address in block 1 is not a subscriber's.</summary>
    SenderSubscribed = 3,
    /// <summary>A vendor acts for a participant whose authorization letter for it is not on file.</summary>
    VendorAuthorized = 4,
    /// <summary>The address in block 2 is not a subscriber's.</summary>
    ReceiverSubscribed = 5,
    /// <summary>Block 2 names the sender itself.</summary>
    ReceiverNotSender = 6,
    /// <summary>The sender reference names another message of this sender (other bytes).</summary>
    SenderReferenceReused = 7,
    /// <summary>A participant acts for another participant.</summary>
    OwnParticipant = 8,
    /// <summary>The message, or its block 4, is longer than the hub takes.</summary>
    MessageSizeMax = 9,
    /// <summary>A character outside ASCII, or outside the SWIFT X set in the message text.</summary>
    SwiftCharacterSet = 10,
    /// <summary>The caller's role may not do this at all.</summary>
    Role = 11,
    /// <summary>No entry with that control number in this mailbox.</summary>
    ControlNumberKnown = 12,
    ParticipantIdFormat = 13,
    /// <summary>A subscriber's address must be an 8- or 11-character BIC in upper case.</summary>
    AddressFormat = 14,
    /// <summary>Another subscriber already has this address: routing must name one subscriber.</summary>
    AddressUnique = 15,
    VendorIdFormat = 16,
    NameFormat = 17,
    /// <summary>The participant is not a subscriber (unsubscribe, a mailbox of nobody).</summary>
    SubscriberKnown = 18,
    SubscribersMax = 19,
    AuthorizedParticipantsMax = 20,
    ControlNumberFormat = 21,
    /// <summary>A mailbox listing asked for more entries than a page holds, or fewer than one.</summary>
    LimitRange = 22,
    /// <summary>No eligibility file was written for that date.</summary>
    EligibilityFileKnown = 23,
    /// <summary>The caller is neither a subscriber nor a vendor acting for one (eligibility file).</summary>
    CallerSubscribed = 24,
    /// <summary>The sender has as many messages in flight to receivers as it may; send again shortly.</summary>
    DeliveriesInFlightMax = 25,
    /// <summary>A date must be written yyyy-MM-dd.</summary>
    DateFormat = 26,
}

/// <summary>A refusal or a reject: the rule, the field at fault, and a sentence for people.</summary>
public sealed record HubError(HubRule Rule, string Field, string Message)
{
    /// <summary>The stable rule name (kebab case) an answer carries.</summary>
    public string RuleName => NameOf(Rule);

    public static string NameOf(HubRule rule) => rule switch
    {
        HubRule.MessageFormat => "message-format",
        HubRule.MessageType => "message-type",
        HubRule.SenderSubscribed => "sender-subscribed",
        HubRule.VendorAuthorized => "vendor-authorized",
        HubRule.ReceiverSubscribed => "receiver-subscribed",
        HubRule.ReceiverNotSender => "receiver-not-sender",
        HubRule.SenderReferenceReused => "sender-reference-reused",
        HubRule.OwnParticipant => "own-participant",
        HubRule.MessageSizeMax => "message-size-max",
        HubRule.SwiftCharacterSet => "swift-character-set",
        HubRule.Role => "role",
        HubRule.ControlNumberKnown => "control-number-known",
        HubRule.ParticipantIdFormat => "participant-id-format",
        HubRule.AddressFormat => "address-format",
        HubRule.AddressUnique => "address-unique",
        HubRule.VendorIdFormat => "vendor-id-format",
        HubRule.NameFormat => "name-format",
        HubRule.SubscriberKnown => "subscriber-known",
        HubRule.SubscribersMax => "subscribers-max",
        HubRule.AuthorizedParticipantsMax => "authorized-participants-max",
        HubRule.ControlNumberFormat => "control-number-format",
        HubRule.LimitRange => "limit-range",
        HubRule.EligibilityFileKnown => "eligibility-file-known",
        HubRule.CallerSubscribed => "caller-subscribed",
        HubRule.DeliveriesInFlightMax => "deliveries-in-flight-max",
        HubRule.DateFormat => "date-format",
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "a rule without a name"),
    };

    /// <summary>The rule a stored name stands for (a reject's reason read back from a journal).</summary>
    public static HubRule Parse(string name) =>
        Enum.GetValues<HubRule>().First(r => NameOf(r) == name);
}
