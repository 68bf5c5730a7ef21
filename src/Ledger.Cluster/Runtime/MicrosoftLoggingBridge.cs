using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Dispatch;
using Akka.Event;
using Microsoft.Extensions.Logging;

namespace Ledger.Cluster;

/// <summary>The logger factory that one actor system's own Akka logs go to, given as the system is created.</summary>
public sealed class NodeLoggerFactorySetup(ILoggerFactory factory) : Setup
{
    public ILoggerFactory Factory { get; } = factory;
}

/// <summary>
/// Akka's logger: hands Akka's own log events to Microsoft.Extensions.Logging, and so to the node's
/// Serilog logger in the host (its levels, format and escaping) or to a test's capture. Each actor
/// system logs to the factory of its own <see cref="NodeLoggerFactorySetup"/>: several nodes in one
/// process (tests, a cluster on one machine) keep their logs apart. Kept instead of
/// Akka.Logger.Serilog, which writes every actor system's events to the process-wide
/// <c>Serilog.Log.Logger</c> (see "Dependencies" in the README).
/// </summary>
public sealed class MicrosoftLoggingBridge : ActorBase, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    /// <summary>Null when the system was created without a factory: Akka's logs are discarded.</summary>
    private readonly ILoggerFactory? _factory = Context.System.Settings.Setup.Get<NodeLoggerFactorySetup>() is { HasValue: true } setup
        ? setup.Value.Factory
        : null;

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case InitializeLogger:
                Sender.Tell(new LoggerInitialized());
                return true;
            case LogEvent e:
                var logger = _factory?.CreateLogger("Akka." + e.LogSource);
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
