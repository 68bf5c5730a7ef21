using System.Collections.Concurrent;
using Akka.Event;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;
using Microsoft.Extensions.Logging;

namespace Ledger.Cluster.Tests;

/// <summary>
/// Akka's own log events reach the node's logger factory (MicrosoftLoggingBridge) at their level,
/// and with two nodes in one process each node's reach its own factory only: the bridge takes the
/// factory from its actor system's setup, not from anything process-wide.
/// </summary>
[Collection("cluster")]
public sealed class AkkaLogTests
{
    [Fact]
    public async Task Each_nodes_akka_log_events_reach_its_own_logger_factory_at_their_level()
    {
        var first = new Capture();
        var second = new Capture();
        await using var a = await LedgerNode.StartAsync(new LedgerNodeOptions { Store = "memory" }, first, Setup.None);
        await using var b = await LedgerNode.StartAsync(new LedgerNodeOptions { Store = "memory" }, second, Setup.None);

        a.System.Log.Warning("mark {0} warning", "first");
        a.System.Log.Error(new InvalidOperationException("boom"), "mark {0} error", "first");
        a.System.Log.Info("mark {0} info", "first");
        b.System.Log.Warning("mark {0} warning", "second");

        var marks = await Eventually(() => first.Marks().Count == 3 && second.Marks().Count == 1 ? first.Marks() : null, "each node's marks");
        Assert.Contains(marks, l => l.Level == LogLevel.Warning && l.Text == "mark first warning" && l.Category.StartsWith("Akka.", StringComparison.Ordinal));
        Assert.Contains(marks, l => l.Level == LogLevel.Error && l.Text == "mark first error" && l.Exception is InvalidOperationException { Message: "boom" });
        Assert.Contains(marks, l => l.Level == LogLevel.Information && l.Text == "mark first info");
        Assert.Equal("mark second warning", Assert.Single(second.Marks()).Text);
        // Akka's own lines (cluster membership, at least) went to each node's factory as it started.
        Assert.Contains(first.Lines, l => l.Category.StartsWith("Akka.", StringComparison.Ordinal) && !l.Text.StartsWith("mark ", StringComparison.Ordinal));
        Assert.Contains(second.Lines, l => l.Category.StartsWith("Akka.", StringComparison.Ordinal) && !l.Text.StartsWith("mark ", StringComparison.Ordinal));
    }

    private static async Task<T> Eventually<T>(Func<T?> probe, string what) where T : class
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            if (probe() is { } done) return done;
        }
        throw new Xunit.Sdk.XunitException($"{what} did not arrive within 20 s");
    }

    private sealed record Line(string Category, LogLevel Level, string Text, Exception? Exception);

    /// <summary>Every line logged through it, at Information and above.</summary>
    private sealed class Capture : ILoggerFactory
    {
        private readonly ConcurrentQueue<Line> _lines = new();

        public IReadOnlyCollection<Line> Lines => _lines;

        public List<Line> Marks() => _lines.Where(l => l.Text.StartsWith("mark ", StringComparison.Ordinal)).ToList();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

        public void AddProvider(ILoggerProvider provider) { }

        public void Dispose() { }

        private sealed class Logger(string category, ConcurrentQueue<Line> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel)) lines.Enqueue(new Line(category, logLevel, formatter(state, exception), exception));
            }
        }
    }
}
