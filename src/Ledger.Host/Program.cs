using Ledger.Host;

return await Cli.RunAsync(args, LedgerNodeStartup.StartAsync);
