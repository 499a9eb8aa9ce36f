using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace GaussianNll.Benchmarks;

/// <summary>
/// The input sizes of the suite, and the two ways to cut them down for a quick (dry) run: the environment variables
/// below, which the benchmark processes BenchmarkDotNet starts inherit, or the <c>--quick</c> and
/// <c>--sizes</c> arguments that <c>Program</c> turns into them.
/// </summary>
public static class BenchSizes
{
    /// <summary>Set to <c>1</c> for the quick size set (<see cref="Quick"/>, and <see cref="QuickParallel"/>).</summary>
    public const string QuickVariable = "GAUSSIANNLL_BENCH_QUICK";

    /// <summary>A comma-separated list of sizes that replaces every size set, e.g. <c>1031,16384</c>.</summary>
    public const string SizesVariable = "GAUSSIANNLL_BENCH_SIZES";

    /// <summary>
    /// 1,024 (L1-resident), 1,031 (1,024 plus a 7-element tail no vector covers), 16,384 (L2-resident, one chunk),
    /// 1,048,576 (beyond L2 for double) and 16,777,216 (main memory).
    /// </summary>
    public static IReadOnlyList<int> Full { get; } = [1_024, 1_031, 16_384, 1_048_576, 16_777_216];

    /// <summary>The sizes of the parallelism benchmarks: large enough to be worth more than one thread.</summary>
    public static IReadOnlyList<int> FullParallel { get; } = [1_048_576, 16_777_216];

    /// <summary>
    /// The quick set: the tail case and one size of several chunks, so that a dry run still goes through every code
    /// path (vector body, scalar tail, chunk loop) and every verification, in a fraction of the time.
    /// </summary>
    public static IReadOnlyList<int> Quick { get; } = [1_031, 1_048_576];

    /// <summary>The quick set of the parallelism benchmarks.</summary>
    public static IReadOnlyList<int> QuickParallel { get; } = [1_048_576];

    /// <summary>The sizes of every benchmark class but <see cref="Parallelism"/>.</summary>
    public static IEnumerable<int> Standard => Custom() ?? (IsQuick ? Quick : Full);

    /// <summary>The sizes of <see cref="Parallelism"/>.</summary>
    public static IEnumerable<int> Parallel => Custom() ?? (IsQuick ? QuickParallel : FullParallel);

    private static bool IsQuick => Environment.GetEnvironmentVariable(QuickVariable) is "1" or "true";

    private static int[]? Custom()
    {
        string? text = Environment.GetEnvironmentVariable(SizesVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.AllowThousands, CultureInfo.InvariantCulture))];
    }
}
