System.Console.WriteLine("HeteroscedasticRegression: not yet written.");
