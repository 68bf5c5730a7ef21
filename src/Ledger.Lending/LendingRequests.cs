namespace Ledger.Lending;

/// <summary>A counterparty's statement as submitted to <c>POST .../rebate-statements/{month}/reconcile</c>, before any check.</summary>
public sealed record ReconcileRequest(string? Counterparty, IReadOnlyList<ReconcileLineRequest?>? Loans);

/// <summary>One line of it: <c>{loanId, amount}</c>, amount in dollars signed as <see cref="RebateStatementLine.Amount"/>.</summary>
public sealed record ReconcileLineRequest(string? LoanId, decimal? Amount);

/// <summary>A report format of <c>GET .../reports/10c-1a/{date}</c>.</summary>
public enum ReportFormat
{
    Csv = 1,
    JsonLines = 2,
}

/// <summary>
/// The checks of the lending endpoints' parameters and bodies, for the host: each answers the
/// parsed value or the error (field, rule, message) to send as problem+json. Nothing here reads
/// state; "future" is judged against the business date the host passes.
/// </summary>
public static class LendingRequests
{
    /// <summary><c>YYYY-MM</c>, not after the month of <paramref name="businessDate"/> (the current month gives the statement so far).</summary>
    public static (StatementMonth Month, LendingError? Error) Month(string? value, DateOnly businessDate)
    {
        if (value is null) return (default, new LendingError(LendingRejection.Required, "month", "month is required (YYYY-MM)"));
        if (!StatementMonth.TryParse(value, out var month)) return (default, new LendingError(LendingRejection.MonthFormat, "month", "month is YYYY-MM"));
        if (month > StatementMonth.Of(businessDate))
            return (default, new LendingError(LendingRejection.MonthNotFuture, "month", $"{month} is after the current business month {StatementMonth.Of(businessDate)}"));
        return (month, null);
    }

    /// <summary><c>YYYY-MM-DD</c>, not after <paramref name="businessDate"/>.</summary>
    public static (DateOnly Date, LendingError? Error) Date(string? value, string field, DateOnly businessDate)
    {
        if (value is null) return (default, new LendingError(LendingRejection.Required, field, $"{field} is required (YYYY-MM-DD)"));
        if (!LendingDates.TryParse(value, out var date)) return (default, new LendingError(LendingRejection.DateFormat, field, $"{field} is YYYY-MM-DD"));
        if (date > businessDate)
            return (default, new LendingError(LendingRejection.DateNotFuture, field, $"{value} is after the current business date {LendingDates.Format(businessDate)}"));
        return (date, null);
    }

    /// <summary><c>?state=open|closed|cancelled</c>; absent: every loan.</summary>
    public static (LoanStateFilter? State, LendingError? Error) LoanState(string? value) => value switch
    {
        null => (null, null),
        "open" => (LoanStateFilter.Open, null),
        "closed" => (LoanStateFilter.Closed, null),
        "cancelled" => (LoanStateFilter.Cancelled, null),
        _ => (null, new LendingError(LendingRejection.LoanStateFilter, "state", "state is open, closed or cancelled")),
    };

    /// <summary><c>?state=open|overdue|closed|cancelled</c>; absent: every recall.</summary>
    public static (RecallStatus? State, LendingError? Error) RecallState(string? value) => value switch
    {
        null => (null, null),
        "open" => (RecallStatus.Open, null),
        "overdue" => (RecallStatus.Overdue, null),
        "closed" => (RecallStatus.Closed, null),
        "cancelled" => (RecallStatus.Cancelled, null),
        _ => (null, new LendingError(LendingRejection.RecallStateFilter, "state", "state is open, overdue, closed or cancelled")),
    };

    /// <summary><c>?format=csv|jsonl</c>; absent: csv.</summary>
    public static (ReportFormat Format, LendingError? Error) Format(string? value) => value switch
    {
        null or "csv" => (ReportFormat.Csv, null),
        "jsonl" => (ReportFormat.JsonLines, null),
        _ => (default, new LendingError(LendingRejection.ReportFormat, "format", "format is csv or jsonl")),
    };

    /// <summary>A participant id given as <paramref name="field"/> (a counterparty), not <paramref name="self"/>.</summary>
    public static (ParticipantId Counterparty, LendingError? Error) Counterparty(string? value, string field, ParticipantId self)
    {
        if (value is null) return (default, new LendingError(LendingRejection.Required, field, $"{field} is required"));
        if (!ParticipantId.IsValid(value)) return (default, new LendingError(LendingRejection.ParticipantIdFormat, field, $"{field} must be a four-digit participant number"));
        if (value == self.Value) return (default, new LendingError(LendingRejection.CounterpartyNotSelf, field, $"{field} is another participant than {self}"));
        return (new ParticipantId(value), null);
    }

    /// <summary>The whole body of a reconciliation, checked in order; the first error refuses it and nothing is compared.</summary>
    public static (ParticipantId Counterparty, IReadOnlyList<CounterpartyStatementLine> Lines, LendingError? Error) Reconcile(ReconcileRequest? request, ParticipantId self)
    {
        if (request is null) return (default, [], new LendingError(LendingRejection.Required, "", "a body {counterparty, loans} is required"));
        var (counterparty, error) = Counterparty(request.Counterparty, "counterparty", self);
        if (error is not null) return (default, [], error);
        if (request.Loans is null) return (default, [], new LendingError(LendingRejection.Required, "loans", "loans is required (it may be empty)"));
        if (request.Loans.Count > LendingLimits.StatementLinesMax)
            return (default, [], new LendingError(LendingRejection.StatementLinesMaximum, "loans", $"at most {LendingLimits.StatementLinesMax} lines"));
        var lines = new List<CounterpartyStatementLine>(request.Loans.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < request.Loans.Count; i++)
        {
            var line = request.Loans[i];
            var at = $"loans[{i}]";
            if (line is null) return (default, [], new LendingError(LendingRejection.Required, at, $"{at} is an object {{loanId, amount}}"));
            if (line.LoanId is null) return (default, [], new LendingError(LendingRejection.Required, at + ".loanId", $"{at}.loanId is required"));
            if (!DeliverOrderId.IsValid(line.LoanId))
                return (default, [], new LendingError(LendingRejection.LoanIdFormat, at + ".loanId", $"a loan id is a deliver order id: 1 to {DeliverOrderId.LengthMax} letters, digits, '-', '_', '.' or ':'"));
            if (!seen.Add(line.LoanId)) return (default, [], new LendingError(LendingRejection.LoanIdUnique, at + ".loanId", $"loan {line.LoanId} is listed twice"));
            if (line.Amount is not { } dollars) return (default, [], new LendingError(LendingRejection.Required, at + ".amount", $"{at}.amount is required"));
            if (Math.Abs(dollars) > Money.AmountMax.Dollars)
                return (default, [], new LendingError(LendingRejection.AmountMaximum, at + ".amount", $"an amount is at most {Money.AmountMax} either way"));
            if (!Money.TryFromDollars(dollars, out var amount))
                return (default, [], new LendingError(LendingRejection.AmountTwoDecimals, at + ".amount", "an amount is dollars with at most two decimals"));
            lines.Add(new CounterpartyStatementLine(line.LoanId, amount));
        }
        return (counterparty, lines, null);
    }
}
