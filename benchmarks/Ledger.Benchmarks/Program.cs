Console.WriteLine("Ledger benchmarks: see benchmarks/RESULTS.md");
