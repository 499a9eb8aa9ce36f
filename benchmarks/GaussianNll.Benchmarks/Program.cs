using System;
using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Running;
using GaussianNll.Benchmarks;

// Two arguments of our own, turned into environment variables that the benchmark processes inherit:
//   --quick          the quick size set (same as GAUSSIANNLL_BENCH_QUICK=1)
//   --sizes a,b,...  these sizes only (same as GAUSSIANNLL_BENCH_SIZES=a,b,...)
// Everything else goes to BenchmarkDotNet.
var rest = new List<string>(args.Length);
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--quick")
    {
        Environment.SetEnvironmentVariable(BenchSizes.QuickVariable, "1");
    }
    else if (args[i] == "--sizes" && i + 1 < args.Length)
    {
        Environment.SetEnvironmentVariable(BenchSizes.SizesVariable, args[++i]);
    }
    else
    {
        rest.Add(args[i]);
    }
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. rest]);

// BenchmarkDotNet exits with 0 even when a benchmark failed, e.g. when a GlobalSetup's verification threw; a CI
// dry run must not pass then.
var failed = summaries
    .SelectMany(s => s.Reports.Where(r => !r.Success).Select(r => r.BenchmarkCase.DisplayInfo)
        .Concat(s.HasCriticalValidationErrors ? [s.Title + ": critical validation errors"] : []))
    .ToList();
foreach (string name in failed)
{
    Console.Error.WriteLine($"FAILED: {name}");
}

return failed.Count == 0 ? 0 : 1;
