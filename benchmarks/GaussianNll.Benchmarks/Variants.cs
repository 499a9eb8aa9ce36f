using System.Collections.Generic;
using BenchmarkDotNet.Attributes;

namespace GaussianNll.Benchmarks;

/// <summary>
/// <c>ForwardBackward</c> (float, mean) for every variance layout and parametrization, as ratios of the
/// elementwise σ² case. Per-row and per-column layouts run on whole rows: their <c>Size</c> is rounded down to a
/// multiple of the columns (1,031 becomes 1,024 for 16 columns, 1,020 for 17, 1,000 for 100 and 1,029 for 3), which
/// Gelem/s accounts for.
/// </summary>
[Config(typeof(SuiteConfig))]
[MemoryDiagnoser]
public class VariantsFloat
{
    private Workload<float> _workload = null!;
    private float[] _inputGradient = [];
    private float[] _varianceGradient = [];

    public static IEnumerable<int> Sizes => BenchSizes.Standard;

    [ParamsSource(nameof(Sizes))]
    public int Size { get; set; }

    [GlobalSetup(Target = nameof(Elementwise))]
    public void SetupElementwise() => Setup(VarianceLayout.Elementwise);

    [GlobalSetup(Target = nameof(PerRow16))]
    public void SetupPerRow16() => Setup(VarianceLayout.PerRow, 16);

    [GlobalSetup(Target = nameof(PerRow17))]
    public void SetupPerRow17() => Setup(VarianceLayout.PerRow, 17);

    [GlobalSetup(Target = nameof(PerRow100))]
    public void SetupPerRow100() => Setup(VarianceLayout.PerRow, 100);

    [GlobalSetup(Target = nameof(PerRow3))]
    public void SetupPerRow3() => Setup(VarianceLayout.PerRow, 3);

    [GlobalSetup(Target = nameof(PerColumn16))]
    public void SetupPerColumn16() => Setup(VarianceLayout.PerColumn, 16);

    [GlobalSetup(Target = nameof(PerColumn17))]
    public void SetupPerColumn17() => Setup(VarianceLayout.PerColumn, 17);

    [GlobalSetup(Target = nameof(PerColumn100))]
    public void SetupPerColumn100() => Setup(VarianceLayout.PerColumn, 100);

    [GlobalSetup(Target = nameof(PerColumn3))]
    public void SetupPerColumn3() => Setup(VarianceLayout.PerColumn, 3);

    [GlobalSetup(Target = nameof(Scalar))]
    public void SetupScalar() => Setup(VarianceLayout.Scalar);

    [GlobalSetup(Target = nameof(LogVariance))]
    public void SetupLogVariance() => Setup(VarianceLayout.Elementwise, parametrization: VarianceParametrization.LogVariance);

    [GlobalSetup(Target = nameof(StandardDeviation))]
    public void SetupStandardDeviation() => Setup(VarianceLayout.Elementwise, parametrization: VarianceParametrization.StandardDeviation);

    /// <summary>Elementwise σ², the default: the reference of the ratios.</summary>
    [Benchmark(Baseline = true)]
    public float Elementwise() => Run();

    /// <summary>One σ² per row of 16 columns (e.g. a 16-dimensional target with a per-sample variance).</summary>
    [Benchmark]
    [RowsOf(16)]
    public float PerRow16() => Run();

    /// <summary>One σ² per row of 17 columns: a vector and one more, the hardest row of 16 or more.</summary>
    [Benchmark]
    [RowsOf(17)]
    public float PerRow17() => Run();

    /// <summary>One σ² per row of 100 columns: rows of several vectors and a partial one.</summary>
    [Benchmark]
    [RowsOf(100)]
    public float PerRow100() => Run();

    /// <summary>One σ² per row of 3 columns: rows narrower than a vector.</summary>
    [Benchmark]
    [RowsOf(3)]
    public float PerRow3() => Run();

    /// <summary>One σ² per column of 16 (a learned per-dimension variance).</summary>
    [Benchmark]
    [RowsOf(16)]
    public float PerColumn16() => Run();

    /// <summary>One σ² per column of 17: a vector and one more.</summary>
    [Benchmark]
    [RowsOf(17)]
    public float PerColumn17() => Run();

    /// <summary>One σ² per column of 100.</summary>
    [Benchmark]
    [RowsOf(100)]
    public float PerColumn100() => Run();

    /// <summary>One σ² per column of 3: a period that does not divide a vector.</summary>
    [Benchmark]
    [RowsOf(3)]
    public float PerColumn3() => Run();

    /// <summary>One σ² for all elements.</summary>
    [Benchmark]
    public float Scalar() => Run();

    /// <summary>Elementwise ln σ² (a network's usual output): an exponential instead of a logarithm and a division.</summary>
    [Benchmark]
    public float LogVariance() => Run();

    /// <summary>Elementwise σ.</summary>
    [Benchmark]
    public float StandardDeviation() => Run();

    private float Run() =>
        GaussianNllLoss.ForwardBackward(_workload.Input, _workload.Target, _workload.Variance, _inputGradient, _varianceGradient, _workload.Options);

    private void Setup(VarianceLayout layout, int columns = 0, VarianceParametrization parametrization = VarianceParametrization.Variance)
    {
        _workload = Workload<float>.Create(Size, layout, columns, parametrization);
        _inputGradient = new float[_workload.Length];
        _varianceGradient = new float[_workload.Variance.Length];
        Verify.Results("GaussianNll", _workload, Run(), inputGradient: _inputGradient, varianceGradient: _varianceGradient);
    }
}
