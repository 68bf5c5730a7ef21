namespace Ledger.Income;

// Requests as the HTTP edge and the CLI read them, every field possibly missing. The checks turn
// them into commands or into the first refusal, naming the field and the rule, so that the host,
// the CLI's initial load and the tests all refuse the same input the same way. State-dependent
// rules (ids taken, pending, notice) stay with the entity's decider.

/// <summary>The body of <c>PUT /v1/securities/{cusip}/distributions/{id}</c>.</summary>
public sealed record DistributionRequest(string? Type, decimal? RatePerShare, string? RecordDate, string? PayableDate);

/// <summary>The body of <c>POST /v1/participants/{id}/stock-loan-adjustments</c>, and one line of an initial load.</summary>
public sealed record AdjustmentRequest(string? Id, string? Counterparty, string? Cusip, long? Shares);

/// <summary>The body of <c>POST /v1/participants/{id}/income-halts</c>.</summary>
public sealed record HaltRequest(string? Counterparty, string? EffectiveDate);

/// <summary>The answer for one line of a batch of adjustments: the command, or why the line is refused.</summary>
public sealed record AdjustmentLineResult(int Index, EnterAdjustment? Command, IncomeError? Error);

public static class IncomeRequests
{
    public static (AnnounceDistribution? Command, IncomeError? Error) Distribution(
        string? cusip, string? id, DistributionRequest request, BusinessDayStatus day, BusinessCalendar calendar, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(day);
        if (CusipField(cusip, "cusip", out var security) is { } e1) return (null, e1);
        if (id is null) return (null, Missing("id"));
        if (!IncomeIds.IsValid(id)) return (null, new IncomeError(IncomeRejection.InvalidDistributionId, "id", $"id must be 1 to {IncomeLimits.IdLengthMax} letters, digits, '-', '_', '.' or ':'"));
        if (request.Type is null) return (null, Missing("type"));
        if (!IncomeNames.TryParseDistributionType(request.Type, out var type))
            return (null, new IncomeError(IncomeRejection.InvalidDistributionType, "type", "type must be \"cash-dividend\" or \"interest\""));
        if (request.RatePerShare is not { } rate) return (null, Missing("ratePerShare"));
        if (DateField(request.RecordDate, "recordDate", out var recordDate) is { } e2) return (null, e2);
        if (DateField(request.PayableDate, "payableDate", out var payableDate) is { } e3) return (null, e3);
        if (DistributionScheduleDecider.CheckTerms(security, id, rate, recordDate, payableDate, day) is { } e4) return (null, e4);
        return (new AnnounceDistribution(security, id, type, rate, recordDate, payableDate, day, calendar, at), null);
    }

    public static (EnterAdjustment? Command, IncomeError? Error) Adjustment(
        ParticipantId enteredBy, AdjustmentRequest request, BusinessDayStatus day, ParticipantDirectory directory, BusinessCalendar calendar, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(directory);
        if (request.Id is null) return (null, Missing("id"));
        if (!IncomeIds.IsValid(request.Id)) return (null, new IncomeError(IncomeRejection.InvalidAdjustmentId, "id", $"id must be 1 to {IncomeLimits.IdLengthMax} letters, digits, '-', '_', '.' or ':'"));
        if (ParticipantField(request.Counterparty, "counterparty", out var counterparty) is { } e1) return (null, e1);
        if (CusipField(request.Cusip, "cusip", out var cusip) is { } e2) return (null, e2);
        if (request.Shares is not { } shares) return (null, Missing("shares"));
        if (AdjustmentDecider.CheckTerms(enteredBy, counterparty, shares, directory) is { } e3) return (null, e3);
        return (new EnterAdjustment(request.Id, enteredBy, counterparty, cusip, shares, day, directory, calendar, at), null);
    }

    /// <summary>
    /// An initial load (or any batch) of adjustments entered by <paramref name="enteredBy"/>: each line
    /// checked on its own, and an id given twice in the batch with other terms refused on its second
    /// line (<c>adjustment-id-unique</c>). More than <see cref="IncomeLimits.AdjustmentBatchMax"/> lines
    /// is refused whole (<c>batch-maximum</c>): the CLI sends a large file in batches.
    /// </summary>
    public static (IReadOnlyList<AdjustmentLineResult> Lines, IncomeError? Error) AdjustmentBatch(
        ParticipantId enteredBy, IReadOnlyList<AdjustmentRequest> requests, BusinessDayStatus day, ParticipantDirectory directory, BusinessCalendar calendar, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count > IncomeLimits.AdjustmentBatchMax)
            return ([], new IncomeError(IncomeRejection.BatchTooLarge, "lines", $"at most {IncomeLimits.AdjustmentBatchMax} adjustments at once"));
        var seen = new Dictionary<string, EnterAdjustment>(StringComparer.Ordinal);
        var results = new List<AdjustmentLineResult>(requests.Count);
        for (var i = 0; i < requests.Count; i++)
        {
            var (command, error) = Adjustment(enteredBy, requests[i], day, directory, calendar, at);
            if (command is not null && seen.TryGetValue(command.AdjustmentId, out var first)
                && (first.Counterparty != command.Counterparty || first.Cusip != command.Cusip || first.Shares != command.Shares))
            {
                error = new IncomeError(IncomeRejection.AdjustmentIdTaken, "id", $"adjustment {command.AdjustmentId} is in this batch already, with other terms");
                command = null;
            }
            if (command is not null) seen.TryAdd(command.AdjustmentId, command);
            results.Add(new AdjustmentLineResult(i, command, error));
        }
        return (results, null);
    }

    public static (FileHalt? Command, IncomeError? Error) Halt(
        ParticipantId instructing, HaltRequest request, BusinessDayStatus day, ParticipantDirectory directory, BusinessCalendar calendar, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (ParticipantField(request.Counterparty, "counterparty", out var counterparty) is { } e1) return (null, e1);
        if (DateField(request.EffectiveDate, "effectiveDate", out var effective) is { } e2) return (null, e2);
        return (new FileHalt(instructing, counterparty, effective, day, directory, calendar, at), null);
    }

    /// <summary><c>POST /v1/participants/{from}/merge-into/{to}</c>: both path segments checked, a merger into itself refused.</summary>
    public static (MergeInto? Command, IncomeError? Error) Merge(
        string? from, string? to, MergerFacts facts, ParticipantDirectory directory, DateOnly businessDate, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (ParticipantField(from, "from", out var merging) is { } e1) return (null, e1);
        if (ParticipantField(to, "to", out var successor) is { } e2) return (null, e2);
        if (merging == successor) return (null, new IncomeError(IncomeRejection.MergeIntoSelf, "to", $"{merging} cannot merge into itself"));
        if (directory.Find(merging) is null) return (null, new IncomeError(IncomeRejection.UnknownParticipant, "from", $"{merging} is not a known participant"));
        return (new MergeInto(successor, facts, directory, businessDate, at), null);
    }

    /// <summary>A date query parameter (<c>asOf</c>, <c>payableDate</c>, <c>date</c>): exactly yyyy-MM-dd.</summary>
    public static IncomeError? DateField(string? value, string field, out DateOnly date)
    {
        date = default;
        if (value is null) return Missing(field);
        return IncomeDates.TryParse(value, out date) ? null : new IncomeError(IncomeRejection.InvalidDate, field, $"{field} must be a date, yyyy-MM-dd");
    }

    public static IncomeError? ParticipantField(string? value, string field, out ParticipantId participant)
    {
        participant = default;
        if (value is null) return Missing(field);
        if (!ParticipantId.IsValid(value)) return new IncomeError(IncomeRejection.InvalidParticipantId, field, $"{field} must be a four-digit participant number");
        participant = new ParticipantId(value);
        return null;
    }

    public static IncomeError? CusipField(string? value, string field, out Cusip cusip)
    {
        cusip = default;
        if (value is null) return Missing(field);
        if (!Cusip.IsValid(value)) return new IncomeError(IncomeRejection.InvalidCusip, field, $"{field} must be 9 characters with a valid check digit");
        cusip = new Cusip(value);
        return null;
    }

    private static IncomeError Missing(string field) => new(IncomeRejection.Missing, field, $"{field} is required");
}
