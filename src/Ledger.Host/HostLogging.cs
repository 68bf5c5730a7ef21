using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Ledger.Host;

public enum LogFormat
{
    Console = 1,
    Json = 2,
}

/// <summary>All of a node's logging goes through Serilog: its own, ASP.NET Core's and the ledger node's.</summary>
public static class HostLogging
{
    public static Serilog.Core.Logger Create(LogFormat format, Action<LoggerConfiguration>? configure = null)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.Information()
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
