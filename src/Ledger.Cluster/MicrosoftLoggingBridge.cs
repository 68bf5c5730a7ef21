using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;
using Microsoft.Extensions.Logging;

namespace Ledger.Cluster;

/// <summary>
/// Akka's logger: hands Akka's own log events to Microsoft.Extensions.Logging (and so to Serilog
/// in the host), since no Serilog logger for Akka is available here.
/// </summary>
public sealed class MicrosoftLoggingBridge : ActorBase, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    /// <summary>Set before an actor system starts; a null factory discards Akka's logs.</summary>
    public static ILoggerFactory? Factory { get; set; }

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case InitializeLogger:
                Sender.Tell(new LoggerInitialized());
                return true;
            case LogEvent e:
                var logger = Factory?.CreateLogger("Akka." + e.LogSource);
                if (logger is null) return true;
                var level = e.LogLevel() switch
                {
                    Akka.Event.LogLevel.DebugLevel => Microsoft.Extensions.Logging.LogLevel.Debug,
                    Akka.Event.LogLevel.InfoLevel => Microsoft.Extensions.Logging.LogLevel.Information,
                    Akka.Event.LogLevel.WarningLevel => Microsoft.Extensions.Logging.LogLevel.Warning,
                    _ => Microsoft.Extensions.Logging.LogLevel.Error,
                };
                if (logger.IsEnabled(level))
                {
                    logger.Log(level, e.Cause, "{AkkaMessage}", e.Message?.ToString());
                }
                return true;
            default:
                return false;
        }
    }
}
