namespace Ledger.Settlement;

/// <summary>Why a request was refused at entry. Numbers are never reused.</summary>
public enum EntryRejection
{
    Missing = 1,
    InvalidDeliverOrderId = 2,
    InvalidParticipantId = 3,
    UnknownParticipant = 4,
    DelivererIsReceiver = 5,
    InvalidCusip = 6,
    UnknownSecurity = 7,
    SharesNotPositive = 8,
    SharesAboveMaximum = 9,
    AmountNegative = 10,
    AmountMoreThanTwoDecimals = 11,
    AmountAboveMaximum = 12,
    NotInMarketLoanProgram = 13,
    InvalidReasonCode = 14,
    SameIdOtherPayload = 15,
    BusinessDayClosing = 16,
    InvalidName = 17,
    InvalidHaircut = 18,
    PriceNotPositive = 19,
    PriceAboveMaximum = 20,
    NotPositive = 21,
    UnknownDeliverOrder = 22,
    NotTheOriginalReceiver = 23,
    ReclaimRefused = 24,
    AlreadyReclaimed = 25,
    ReclaimOfEarlierDay = 26,
    InvalidReclaimId = 27,
    InvalidIdempotencyId = 28,
    LoanTermsOnLoanOnly = 29,
    RebateRateRange = 30,
    RebateRateDecimals = 31,
    CollateralMarginRange = 32,
    CollateralMarginDecimals = 33,
    /// <summary>An id with the payment-order prefix, or reason code MARK, on a deliver order: both belong to payment orders.</summary>
    PaymentOrderReserved = 34,
    /// <summary>A payment order for a business date after the open one.</summary>
    PaymentOrderBusinessDate = 35,
    /// <summary>A reclaim of a payment order: a mark is settled by the next day's mark, never reclaimed.</summary>
    ReclaimOfPaymentOrder = 36,
    /// <summary>The node's gateway has as many deliver orders in flight as it admits: not taken, send again (a Market Loan with both legs).</summary>
    DeliverOrdersInFlightMax = 37,

    // The business calendar (numbered from 40, apart from the entry rules above).
    InvalidDate = 40,
    HolidayNotFuture = 41,
    HolidayOnWeekend = 42,
    HolidayBeyondHorizon = 43,
    HolidaysAboveMaximum = 44,
    UnknownHoliday = 45,
    CalendarRangeOrder = 46,
    CalendarRangeAboveMaximum = 47,
}

/// <summary>A refusal at entry: the field at fault, the rule it broke, and a sentence for people.</summary>
public sealed record EntryError(EntryRejection Rule, string Field, string Message)
{
    public string RuleName => Rule switch
    {
        EntryRejection.Missing => "required",
        EntryRejection.InvalidDeliverOrderId => "deliver-order-id-format",
        EntryRejection.InvalidParticipantId => "participant-id-format",
        EntryRejection.UnknownParticipant => "participant-known",
        EntryRejection.DelivererIsReceiver => "deliverer-not-receiver",
        EntryRejection.InvalidCusip => "cusip-check-digit",
        EntryRejection.UnknownSecurity => "security-known",
        EntryRejection.SharesNotPositive => "shares-positive",
        EntryRejection.SharesAboveMaximum => "shares-maximum",
        EntryRejection.AmountNegative => "amount-not-negative",
        EntryRejection.AmountMoreThanTwoDecimals => "amount-two-decimals",
        EntryRejection.AmountAboveMaximum => "amount-maximum",
        EntryRejection.NotInMarketLoanProgram => "market-loan-program",
        EntryRejection.InvalidReasonCode => "reason-code-format",
        EntryRejection.SameIdOtherPayload => "deliver-order-id-unique",
        EntryRejection.BusinessDayClosing => "business-day-open",
        EntryRejection.InvalidName => "name-format",
        EntryRejection.InvalidHaircut => "haircut-range",
        EntryRejection.PriceNotPositive => "price-positive",
        EntryRejection.PriceAboveMaximum => "price-maximum",
        EntryRejection.NotPositive => "positive",
        EntryRejection.UnknownDeliverOrder => "deliver-order-known",
        EntryRejection.NotTheOriginalReceiver => "reclaim-by-receiver",
        EntryRejection.ReclaimRefused => "reclaim-of-completed",
        EntryRejection.AlreadyReclaimed => "reclaim-once",
        EntryRejection.ReclaimOfEarlierDay => "reclaim-same-day",
        EntryRejection.InvalidReclaimId => "reclaim-id-format",
        EntryRejection.InvalidIdempotencyId => "idempotency-id-format",
        EntryRejection.LoanTermsOnLoanOnly => "loan-terms-on-loan-only",
        EntryRejection.RebateRateRange => "rebate-rate-range",
        EntryRejection.RebateRateDecimals => "rebate-rate-decimals",
        EntryRejection.CollateralMarginRange => "collateral-margin-range",
        EntryRejection.CollateralMarginDecimals => "collateral-margin-decimals",
        EntryRejection.PaymentOrderReserved => "payment-order-reserved",
        EntryRejection.PaymentOrderBusinessDate => "business-date",
        EntryRejection.ReclaimOfPaymentOrder => "reclaim-of-payment-order",
        EntryRejection.DeliverOrdersInFlightMax => "deliver-orders-in-flight-max",
        EntryRejection.InvalidDate => "date-format",
        EntryRejection.HolidayNotFuture => "holiday-future",
        EntryRejection.HolidayOnWeekend => "holiday-weekday",
        EntryRejection.HolidayBeyondHorizon => "holiday-horizon",
        EntryRejection.HolidaysAboveMaximum => "holidays-maximum",
        EntryRejection.UnknownHoliday => "holiday-known",
        EntryRejection.CalendarRangeOrder => "from-before-to",
        EntryRejection.CalendarRangeAboveMaximum => "range-maximum",
        _ => "unknown",
    };
}

/// <summary>A deliver order as submitted, before any check: every field may be missing; the loan terms are optional.</summary>
public sealed record DeliverOrderRequest(
    string? Id,
    string? Deliverer,
    string? Receiver,
    string? Cusip,
    long? Shares,
    decimal? Amount,
    string? ReasonCode,
    decimal? RebateRate = null,
    decimal? CollateralMargin = null);

/// <summary>
/// The entry checks of a deliver order and of reference-data requests. A request that fails is
/// refused whole and changes nothing.
/// </summary>
public static class EntryRules
{
    public static (DeliverOrder? Order, EntryError? Error) Validate(DeliverOrderRequest r, ReferenceSnapshot reference)
    {
        if (r.Id is null) return Fail(EntryRejection.Missing, "id", "id is required");
        if (!DeliverOrderId.IsSubmittable(r.Id))
            return Fail(EntryRejection.InvalidDeliverOrderId, "id", $"id must be 1 to {DeliverOrderId.LengthMax} letters, digits, '-', '_', '.' or ':'");
        if (ParticipantField(r.Deliverer, "deliverer", reference, out var deliverer) is { } e1) return (null, e1);
        if (ParticipantField(r.Receiver, "receiver", reference, out var receiver) is { } e2) return (null, e2);
        if (deliverer!.Id == receiver!.Id)
            return Fail(EntryRejection.DelivererIsReceiver, "receiver", "deliverer and receiver must be different participants");
        if (CusipField(r.Cusip, "cusip", reference, out var cusip) is { } e3) return (null, e3);
        if (SharesField(r.Shares, "shares") is { } e4) return (null, e4);
        if (AmountField(r.Amount, "amount", allowZero: true, out var amount) is { } e5) return (null, e5);
        var reasonCode = r.ReasonCode ?? "";
        if (reasonCode.Length > DeliverOrder.ReasonCodeLengthMax || !reasonCode.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            return Fail(EntryRejection.InvalidReasonCode, "reasonCode", $"reasonCode must be at most {DeliverOrder.ReasonCodeLengthMax} letters, digits, '-' or '_'");
        if (PaymentOrders.IsReservedId(r.Id))
            return Fail(EntryRejection.PaymentOrderReserved, "id", $"ids starting {PaymentOrders.IdPrefix} belong to payment orders, which the ledger enters itself");
        if (reasonCode == PaymentOrders.ReasonCode)
            return Fail(EntryRejection.PaymentOrderReserved, "reasonCode", $"reasonCode {PaymentOrders.ReasonCode} belongs to payment orders, which the ledger enters itself");
        if (LoanTermRules.Check(reasonCode, r.RebateRate, r.CollateralMargin) is { } terms) return (null, terms);
        if (deliverer.CentralCounterparty && !receiver.MarketLoanProgram)
            return Fail(EntryRejection.NotInMarketLoanProgram, "receiver", $"receiver {receiver.Id} is not in the Market Loan Program, so it may not receive from central counterparty {deliverer.Id}");
        if (receiver.CentralCounterparty && !deliverer.MarketLoanProgram)
            return Fail(EntryRejection.NotInMarketLoanProgram, "deliverer", $"deliverer {deliverer.Id} is not in the Market Loan Program, so it may not deliver to central counterparty {receiver.Id}");
        if (reference.Closing)
            return Fail(EntryRejection.BusinessDayClosing, "id", $"business day {reference.BusinessDate:yyyy-MM-dd} is closing; submit again when the next one opens");
        return (new DeliverOrder(new DeliverOrderId(r.Id), deliverer.Id, receiver.Id, cusip, r.Shares!.Value, amount, reasonCode,
            RebateRate: r.RebateRate, CollateralMargin: r.CollateralMargin), null);
    }

    public static EntryError? ParticipantField(string? value, string field, ReferenceSnapshot reference, out ParticipantRecord? participant)
    {
        participant = null;
        if (value is null) return new EntryError(EntryRejection.Missing, field, $"{field} is required");
        if (!ParticipantId.IsValid(value))
            return new EntryError(EntryRejection.InvalidParticipantId, field, $"{field} must be a four-digit participant number");
        if (!reference.Participants.TryGetValue(new ParticipantId(value), out participant))
            return new EntryError(EntryRejection.UnknownParticipant, field, $"{field} {value} is not a known participant");
        return null;
    }

    public static EntryError? CusipField(string? value, string field, ReferenceSnapshot reference, out Cusip cusip)
    {
        cusip = default;
        if (CusipFormat(value, field) is { } e) return e;
        cusip = new Cusip(value!);
        if (!reference.Securities.ContainsKey(cusip))
            return new EntryError(EntryRejection.UnknownSecurity, field, $"{field} {value} is not a known security");
        return null;
    }

    public static EntryError? CusipFormat(string? value, string field)
    {
        if (value is null) return new EntryError(EntryRejection.Missing, field, $"{field} is required");
        if (!Cusip.IsValid(value))
            return new EntryError(EntryRejection.InvalidCusip, field, $"{field} must be 9 characters (A-Z, 0-9, *, @, #) ending in a valid check digit");
        return null;
    }

    public static EntryError? SharesField(long? shares, string field)
    {
        if (shares is null) return new EntryError(EntryRejection.Missing, field, $"{field} is required");
        if (shares <= 0) return new EntryError(EntryRejection.SharesNotPositive, field, $"{field} must be a whole number greater than zero");
        if (shares > DeliverOrder.SharesMax)
            return new EntryError(EntryRejection.SharesAboveMaximum, field, $"{field} must be at most {DeliverOrder.SharesMax}");
        return null;
    }

    public static EntryError? AmountField(decimal? dollars, string field, bool allowZero, out Money amount)
    {
        amount = Money.Zero;
        if (dollars is null) return new EntryError(EntryRejection.Missing, field, $"{field} is required");
        if (dollars < 0) return new EntryError(EntryRejection.AmountNegative, field, $"{field} must not be negative");
        if (!allowZero && dollars == 0) return new EntryError(EntryRejection.NotPositive, field, $"{field} must be greater than zero");
        if (dollars > Money.AmountMax.Dollars)
            return new EntryError(EntryRejection.AmountAboveMaximum, field, $"{field} must be at most {Money.AmountMax.Dollars:0.00} dollars");
        if (!Money.TryFromDollars(dollars.Value, out amount))
            return new EntryError(EntryRejection.AmountMoreThanTwoDecimals, field, $"{field} must have at most two decimals (whole cents)");
        return null;
    }

    public static EntryError? PriceField(decimal? dollars, string field, out Money price)
    {
        price = Money.Zero;
        if (dollars is null) return new EntryError(EntryRejection.Missing, field, $"{field} is required");
        if (dollars <= 0) return new EntryError(EntryRejection.PriceNotPositive, field, $"{field} must be greater than zero");
        if (dollars > SecurityTerms.PriceMax.Dollars)
            return new EntryError(EntryRejection.PriceAboveMaximum, field, $"{field} must be at most {SecurityTerms.PriceMax.Dollars:0.00} dollars");
        if (!Money.TryFromDollars(dollars.Value, out price))
            return new EntryError(EntryRejection.AmountMoreThanTwoDecimals, field, $"{field} must have at most two decimals (whole cents)");
        return null;
    }

    public static EntryError? HaircutField(decimal? haircut, string field)
    {
        if (haircut is null) return new EntryError(EntryRejection.Missing, field, $"{field} is required");
        if (!SecurityTerms.IsValidHaircut(haircut.Value))
            return new EntryError(EntryRejection.InvalidHaircut, field, $"{field} must be between 0 and 1 with at most 6 decimals");
        return null;
    }

    /// <summary>
    /// The optional idempotency id of a deposit or payment: absent is fine, present it must be 1 to
    /// <see cref="IdempotencyId.LengthMax"/> letters, digits, '-', '_', '.' or ':'.
    /// </summary>
    public static EntryError? IdempotencyIdField(string? value, string field)
    {
        if (value is null || IdempotencyId.IsValid(value)) return null;
        return new EntryError(EntryRejection.InvalidIdempotencyId, field,
            $"{field} must be 1 to {IdempotencyId.LengthMax} letters, digits, '-', '_', '.' or ':'");
    }

    /// <summary>The longest name, in UTF-16 code units.</summary>
    public const int NameLengthMax = 100;

    /// <summary>
    /// A name is 1 to <see cref="NameLengthMax"/> printable characters: no control characters, and no
    /// invisible format characters (direction overrides such as U+202E, zero-width spaces, byte
    /// order marks), line or paragraph separators, private-use, unassigned or lone surrogate code
    /// points, which could make a name show as something other than what it is.
    /// </summary>
    public static EntryError? NameField(string? name, string field)
    {
        if (name is null) return new EntryError(EntryRejection.Missing, field, $"{field} is required");
        if (name.Length is 0 or > NameLengthMax || !IsPrintable(name))
            return new EntryError(EntryRejection.InvalidName, field,
                $"{field} must be 1 to {NameLengthMax} printable characters (no control, format or direction characters)");
        return null;
    }

    private static bool IsPrintable(string text)
    {
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            if (System.Text.Rune.DecodeFromUtf16(rest, out var rune, out var used) != System.Buffers.OperationStatus.Done) return false;
            if (System.Text.Rune.GetUnicodeCategory(rune) is System.Globalization.UnicodeCategory.Control or System.Globalization.UnicodeCategory.Format
                or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator
                or System.Globalization.UnicodeCategory.PrivateUse or System.Globalization.UnicodeCategory.OtherNotAssigned
                or System.Globalization.UnicodeCategory.Surrogate)
                return false;
            rest = rest[used..];
        }
        return true;
    }

    /// <summary>The reference a participant gives its reclaim (<see cref="ReclaimId"/>), checked before anything is asked of the ledger.</summary>
    public static EntryError? ReclaimReferenceField(string? value, string field)
    {
        if (value is null) return new EntryError(EntryRejection.Missing, field, $"{field} is required");
        if (!ReclaimId.IsValidReference(value))
            return new EntryError(EntryRejection.InvalidReclaimId, field,
                $"{field} must be 1 to {ReclaimId.ReferenceLengthMax} letters, digits, '-', '_', '.' or ':' (the reclaim is filed as your participant number, '~' and this id)");
        return null;
    }

    private static (DeliverOrder?, EntryError?) Fail(EntryRejection rule, string field, string message) => (null, new EntryError(rule, field, message));
}
