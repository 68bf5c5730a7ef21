Console.WriteLine("ledger");
