using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Ledger.Host;

public enum LogFormat
{
    Console = 1,
    Json = 2,
}

/// <summary>
/// All of a node's logging goes through Serilog: its own, ASP.NET Core's and the ledger node's
/// (Akka's own lines and the settlement lines of <c>Ledger.Settlement</c>, whose structured
/// properties, DeliverOrderId and Participant among them, appear as JSON fields with <c>--log-format json</c>).
/// </summary>
public static class HostLogging
{
    /// <summary>The names <c>--log-level</c> takes.</summary>
    public static readonly string[] Levels = ["debug", "information", "warning", "error"];

    public static LogEventLevel ParseLevel(string name) => name switch
    {
        "debug" => LogEventLevel.Debug,
        "warning" => LogEventLevel.Warning,
        "error" => LogEventLevel.Error,
        _ => LogEventLevel.Information,
    };

    /// <param name="level">The least level written; Debug adds the ledger's per-deliver-order completion lines.</param>
    public static Serilog.Core.Logger Create(LogFormat format, Action<LoggerConfiguration>? configure = null, LogEventLevel level = LogEventLevel.Information)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            // ASP.NET Core's own request lines would repeat the request log; its warnings still show.
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .Enrich.FromLogContext();
        config = format == LogFormat.Json
            ? config.WriteTo.Console(new CompactJsonFormatter())
            : config.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}");
        configure?.Invoke(config);
        return config.CreateLogger();
    }
}
