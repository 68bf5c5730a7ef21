using System.CommandLine;
using System.CommandLine.Help;
using Ledger.Cluster;

namespace Ledger.Host;

/// <summary>The command line of <c>ledger</c>. Without a verb it prints help.</summary>
public static class Cli
{
    public static readonly string[] Stores = ["sqlite", "postgres", "sqlserver"];

    public static RootCommand Build(StartLedger startLedger)
    {
        var urls = new Option<string>("--urls")
        {
            Description = "Where the HTTP API listens (semicolon-separated)",
            HelpName = "URL",
            DefaultValueFactory = _ => ApiOptions.UrlsDefault,
        };
        var dataDir = new Option<string>("--data-dir")
        {
            Description = "Folder of the embedded SQLite journal",
            HelpName = "DIR",
            DefaultValueFactory = _ => "./data",
        };
        var store = new Option<string>("--store")
        {
            Description = "Journal store",
            DefaultValueFactory = _ => "sqlite",
        };
        store.AcceptOnlyFromAmong(Stores);
        var connection = new Option<string?>("--connection")
        {
            Description = "Connection string (required for postgres and sqlserver)",
            HelpName = "STRING",
        };
        var tokens = new Option<string?>("--tokens")
        {
            Description = "JSON array of {token, role, participant} or {sha256, role, participant}; serve needs it (or --demo-tokens)",
            HelpName = "FILE",
        };
        var demoTokens = new Option<bool>("--demo-tokens")
        {
            Description = "Serve the public demo tokens of the README instead of a tokens file; only where --urls and --hostname are loopback",
        };
        var hostname = new Option<string>("--hostname")
        {
            Description = "Address Akka remoting binds to; 0.0.0.0 in a container",
            HelpName = "ADDRESS",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        hostname.Validators.Add(r =>
        {
            if (r.Tokens is [{ } token] && !IsHostname(token.Value))
                r.AddError($"--hostname '{token.Value}' must be an IP address or a DNS name");
        });
        var publicHostname = new Option<string?>("--public-hostname")
        {
            Description = "Host name other nodes reach this one by, spelled as in their --seed-nodes; default: --hostname, or this machine's name when that is 0.0.0.0",
            HelpName = "NAME",
        };
        publicHostname.Validators.Add(r =>
        {
            if (r.Tokens is [{ } token] && (!IsHostname(token.Value) || LedgerNode.IsWildcard(token.Value)))
                r.AddError($"--public-hostname '{token.Value}' must be an address or DNS name other nodes can dial (not 0.0.0.0 or ::)");
        });
        var port = new Option<int>("--port")
        {
            Description = "Akka remoting port; 0 picks a free one",
            DefaultValueFactory = _ => 0,
        };
        port.Validators.Add(r =>
        {
            // Validators also run on tokens that did not parse; those already carry their own error.
            if (r.Tokens is [{ } token] && int.TryParse(token.Value, out var value) && value is < 0 or > 65535)
                r.AddError("--port must be between 0 and 65535");
        });
        var seedNodes = new Option<string?>("--seed-nodes")
        {
            Description = "Comma-separated seed node addresses (akka.tcp://ledger@host:port); none: the node joins itself",
            HelpName = "LIST",
        };
        seedNodes.Validators.Add(r =>
        {
            if (r.Tokens is not [{ } token]) return;
            foreach (var seed in SplitList(token.Value))
            {
                if (!IsSeedNode(seed))
                    r.AddError($"--seed-nodes '{seed}' must be akka.tcp://{LedgerNode.SystemName}@HOST:PORT with a port from 1 to 65535");
            }
        });
        var logFormat = new Option<string>("--log-format")
        {
            Description = "Log lines for people (console) or compact JSON (json)",
            DefaultValueFactory = _ => "console",
        };
        logFormat.AcceptOnlyFromAmong("console", "json");
        var logLevel = new Option<string>("--log-level")
        {
            Description = "Least level logged; debug adds a line per deliver order completed",
            DefaultValueFactory = _ => "information",
        };
        logLevel.AcceptOnlyFromAmong(HostLogging.Levels);
        var otlpEndpoint = new Option<Uri?>("--otlp-endpoint")
        {
            Description = "Push metrics by OTLP over HTTP to this collector (http://127.0.0.1:4318); /metrics serves them to Prometheus either way",
            HelpName = "URL",
            CustomParser = r =>
            {
                var text = r.Tokens.Single().Value;
                if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") return uri;
                r.AddError($"--otlp-endpoint must be an absolute http or https URL, not '{text}'");
                return null;
            },
        };

        var snapshotEvery = new Option<long?>("--snapshot-every-events")
        {
            Description = "Events between two snapshots of an account, index bucket or the reference data (ledger.snapshots.every-events, 50000); 0 turns them off",
            HelpName = "EVENTS",
        };
        snapshotEvery.Validators.Add(r =>
        {
            if (r.Tokens is [{ } token] && long.TryParse(token.Value, out var value) && value < 0)
                r.AddError("--snapshot-every-events must be 0 (off) or more");
        });

        var inFlightMax = new Option<int?>("--deliver-orders-in-flight-max")
        {
            Description = $"Deliver orders the node admits at once, taken and not yet answered by their deliverers ({LedgerNodeOptions.DeliverOrdersInFlightMaxDefault}); " +
                "past it batch items are refused deliver-orders-in-flight-max, a Market Loan's two legs together",
            HelpName = "ORDERS",
        };
        inFlightMax.Validators.Add(r =>
        {
            if (r.Tokens is [{ } token] && int.TryParse(token.Value, out var value) && value < Ledger.Settlement.Admission.InFlightMaxLeast)
                r.AddError($"--deliver-orders-in-flight-max must be {Ledger.Settlement.Admission.InFlightMaxLeast} or more (a Market Loan's two legs go in together)");
        });

        var serve = new Command("serve", "Start a ledger node and its HTTP API")
        {
            urls, dataDir, store, connection, tokens, demoTokens, hostname, publicHostname, port, seedNodes, logFormat, logLevel, otlpEndpoint,
            snapshotEvery, inFlightMax,
        };
        serve.Validators.Add(r =>
        {
            var storeName = r.GetResult(store)?.Tokens.FirstOrDefault()?.Value ?? "sqlite";
            var connectionValue = r.GetResult(connection)?.Tokens.FirstOrDefault()?.Value;
            if (storeName is "postgres" or "sqlserver" && string.IsNullOrWhiteSpace(connectionValue))
                r.AddError("--connection is required with --store postgres or sqlserver");
        });
        ServeOptions ReadServeOptions(ParseResult parse) => new()
        {
            Urls = parse.GetValue(urls)!,
            DataDir = parse.GetValue(dataDir)!,
            Store = parse.GetValue(store)!,
            Connection = parse.GetValue(connection),
            TokensFile = parse.GetValue(tokens),
            DemoTokens = parse.GetValue(demoTokens),
            Hostname = parse.GetValue(hostname)!,
            PublicHostname = parse.GetValue(publicHostname),
            Port = parse.GetValue(port),
            SeedNodes = SplitList(parse.GetValue(seedNodes)),
            LogFormat = parse.GetValue(logFormat) == "json" ? LogFormat.Json : LogFormat.Console,
            LogLevel = HostLogging.ParseLevel(parse.GetValue(logLevel)!),
            OtlpEndpoint = parse.GetValue(otlpEndpoint),
            // The demo verb has no such option: its parse has no result for it.
            SnapshotEveryEvents = parse.GetResult(snapshotEvery) is null ? null : parse.GetValue(snapshotEvery),
            DeliverOrdersInFlightMax = parse.GetResult(inFlightMax) is null ? null : parse.GetValue(inFlightMax),
        };
        serve.SetAction((parse, ct) => LedgerServer.RunAsync(ReadServeOptions(parse), startLedger, ct, error: parse.InvocationConfiguration.Error));

        // The demo starts its node exactly as serve does, with the same options (less --tokens: it serves the demo tokens, on loopback only).
        var demo = Verbs.DemoCommand.Build(startLedger, ReadServeOptions, urls, dataDir, store, connection, hostname, publicHostname, port, seedNodes, logFormat, logLevel, otlpEndpoint);
        var root = new RootCommand("ledger: an event-sourced settlement ledger for stock-loan deliver orders") { serve, demo, Verbs.SubmitCommand.Build(), Verbs.ReplayCommand.Build(), Verbs.ExplainCommand.Build(), Verbs.VerifyCommand.Build(), Verbs.WhatIfCommand.Build(),
            Verbs.IncomeCommands.StockLoans(), Verbs.IncomeCommands.IncomeReport(), Verbs.RecallsCommand.Build(), Verbs.ReportCommand.Build() };
        root.SetAction(parse => new HelpAction().Invoke(parse));

        // Help names the environment variable each such option may also come from.
        var described = new HashSet<Option>();
        foreach (var option in root.Subcommands.SelectMany(c => c.Options).Where(o => EnvironmentArguments.Names.Contains(o.Name)))
        {
            if (described.Add(option)) option.Description += $" [env: {EnvironmentArguments.VariableOf(option.Name)}]";
        }
        return root;
    }

    /// <param name="environment">Reads an environment variable; the process environment unless a test passes its own.</param>
    public static Task<int> RunAsync(string[] args, StartLedger startLedger, TextWriter? output = null, TextWriter? error = null,
        Func<string, string?>? environment = null)
    {
        var configuration = new InvocationConfiguration
        {
            // The web host handles Ctrl+C and SIGTERM itself and stops gracefully; two handlers would race.
            ProcessTerminationTimeout = null,
        };
        if (output is not null) configuration.Output = output;
        if (error is not null) configuration.Error = error;
        var root = Build(startLedger);
        var parse = root.Parse(EnvironmentArguments.Apply(root, args, environment ?? Environment.GetEnvironmentVariable, out var variables));
        if (parse.Errors.Count > 0 && variables.Count > 0)
        {
            // The parser's messages name options; say which of them came from the environment.
            configuration.Error.WriteLine($"Options taken from the environment: {string.Join(", ", variables)}");
        }
        return parse.InvokeAsync(configuration);
    }

    public static IReadOnlyList<string> SplitList(string? value) =>
        value is null ? [] : value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>An IP address or a DNS name (letters, digits, '-', '.', '_'): what Akka can put in an address.</summary>
    public static bool IsHostname(string? value) =>
        System.Net.IPAddress.TryParse(value, out _)
        || (!string.IsNullOrEmpty(value) && value.Length <= 253 && Uri.CheckHostName(value) == UriHostNameType.Dns
            && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'));

    /// <summary>A seed node address of this ledger: akka.tcp://ledger@HOST:PORT.</summary>
    public static bool IsSeedNode(string value) =>
        Akka.Actor.Address.TryParse(value, out var address)
        && address.Protocol == "akka.tcp"
        && address.System == LedgerNode.SystemName
        && IsHostname(address.Host)
        && address.Port is > 0 and <= 65535;
}
