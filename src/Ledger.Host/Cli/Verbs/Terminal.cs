using System.Globalization;
using Spectre.Console;

namespace Ledger.Host.Verbs;

/// <summary>Where the CLI verbs write: the real terminal, or (in tests, or when given another writer) plain text.</summary>
public static class Terminal
{
    /// <summary>Columns of output that is not a terminal (a file, a pipe, a test): wide enough for the summary tables.</summary>
    public const int PlainWidth = 160;

    public static IAnsiConsole For(TextWriter output)
    {
        if (ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected) return AnsiConsole.Console;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = PlainWidth;
        return console;
    }

    /// <summary>
    /// Runs <paramref name="work"/> with progress bars on a terminal; elsewhere without them, and
    /// then prints one line per bar with its final count.
    /// </summary>
    public static async Task WithProgressAsync(IAnsiConsole console, Func<Func<string, double, Bar>, Task> work)
    {
        if (console.Profile.Capabilities.Interactive)
        {
            await console.Progress().AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(context => work((name, max) => new Bar(context.AddTask(Markup.Escape(name), maxValue: Math.Max(1, max))) { Name = name, Max = max }));
            return;
        }
        var bars = new List<Bar>();
        var started = DateTime.UtcNow;
        try
        {
            await work((name, max) =>
            {
                var bar = new Bar(null) { Name = name, Max = max };
                bars.Add(bar);
                return bar;
            });
        }
        finally
        {
            var elapsed = DateTime.UtcNow - started;
            foreach (var bar in bars) console.MarkupLine($"{E(bar.Name)}: {N((long)bar.Value)} of {N((long)bar.Max)}{(bar.Note is null ? "" : $" ({E(bar.Note)})")}");
            console.MarkupLine($"[grey]({elapsed.TotalSeconds:0.0} s)[/]");
        }
    }

    /// <summary>A spinner with <paramref name="text"/> on a terminal; elsewhere the text as a line.</summary>
    public static async Task StatusAsync(IAnsiConsole console, string text, Func<Task> work)
    {
        if (console.Profile.Capabilities.Interactive)
        {
            await console.Status().StartAsync(Markup.Escape(text), _ => work());
            return;
        }
        console.MarkupLine(E(text));
        await work();
    }

    /// <summary>One progress bar, or its plain stand-in.</summary>
    public sealed class Bar(ProgressTask? task)
    {
        public string Name { get; init; } = "";
        public double Max { get; init; }
        public double Value { get; private set; }

        /// <summary>Shown beside the bar (for instance the counts so far).</summary>
        public string? Note
        {
            get;
            set
            {
                field = value;
                task?.Description = Markup.Escape($"{Name}: {value}");
            }
        }

        /// <summary>Safe to call from parallel requests.</summary>
        public void Increment(double by)
        {
            lock (this) Value += by;
            task?.Increment(by);
        }

        public void Complete()
        {
            lock (this) Value = Max;
            task?.Value = task.MaxValue;
        }
    }

    /// <summary>A whole number with thousands separators, the same everywhere.</summary>
    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Dollars with cents and thousands separators.</summary>
    public static string Dollars(decimal value) =>
        (value < 0 ? "-$" : "$") + Math.Abs(value).ToString("N2", CultureInfo.InvariantCulture);

    public static string E(string? text) => Markup.Escape(text ?? "");
}
