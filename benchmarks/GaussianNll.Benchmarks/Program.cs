using System;
using System.Collections.Generic;
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

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. rest]);
