using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace GaussianNll.Benchmarks;

/// <summary>
/// <c>ForwardBackward</c> (mean, elementwise σ²) with <see cref="GaussianNllOptions.MaxDegreeOfParallelism"/> 1
/// and 2, float and double, at sizes where a second thread can pay: the ratio is the speed-up, per element type.
/// </summary>
[Config(typeof(SuiteConfig))]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class Parallelism
{
    private const string Float = "float";
    private const string Double = "double";

    private Workload<float> _floats = null!;
    private Workload<double> _doubles = null!;
    private GaussianNllOptions _oneThread = GaussianNllOptions.Default;
    private GaussianNllOptions _twoThreads = GaussianNllOptions.Default;
    private float[] _floatInputGradient = [];
    private float[] _floatVarianceGradient = [];
    private double[] _doubleInputGradient = [];
    private double[] _doubleVarianceGradient = [];

    public static IEnumerable<int> Sizes => BenchSizes.Parallel;

    [ParamsSource(nameof(Sizes))]
    public int Size { get; set; }

    [GlobalSetup(Targets = [nameof(FloatOneThread), nameof(FloatTwoThreads)])]
    public void SetupFloat()
    {
        _floats = Workload<float>.Create(Size);
        _floatInputGradient = new float[Size];
        _floatVarianceGradient = new float[Size];
        SetOptions(_floats.Options);
        Verify.Results("GaussianNll, 1 thread", _floats, FloatOneThread(), inputGradient: _floatInputGradient, varianceGradient: _floatVarianceGradient);
        Verify.Results("GaussianNll, 2 threads", _floats, FloatTwoThreads(), inputGradient: _floatInputGradient, varianceGradient: _floatVarianceGradient);
    }

    [GlobalSetup(Targets = [nameof(DoubleOneThread), nameof(DoubleTwoThreads)])]
    public void SetupDouble()
    {
        _doubles = Workload<double>.Create(Size);
        _doubleInputGradient = new double[Size];
        _doubleVarianceGradient = new double[Size];
        SetOptions(_doubles.Options);
        Verify.Results("GaussianNll, 1 thread", _doubles, DoubleOneThread(), inputGradient: _doubleInputGradient, varianceGradient: _doubleVarianceGradient);
        Verify.Results("GaussianNll, 2 threads", _doubles, DoubleTwoThreads(), inputGradient: _doubleInputGradient, varianceGradient: _doubleVarianceGradient);
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Float)]
    public float FloatOneThread() =>
        GaussianNllLoss.ForwardBackward(_floats.Input, _floats.Target, _floats.Variance, _floatInputGradient, _floatVarianceGradient, _oneThread);

    [Benchmark]
    [BenchmarkCategory(Float)]
    public float FloatTwoThreads() =>
        GaussianNllLoss.ForwardBackward(_floats.Input, _floats.Target, _floats.Variance, _floatInputGradient, _floatVarianceGradient, _twoThreads);

    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Double)]
    public double DoubleOneThread() =>
        GaussianNllLoss.ForwardBackward(_doubles.Input, _doubles.Target, _doubles.Variance, _doubleInputGradient, _doubleVarianceGradient, _oneThread);

    [Benchmark]
    [BenchmarkCategory(Double)]
    public double DoubleTwoThreads() =>
        GaussianNllLoss.ForwardBackward(_doubles.Input, _doubles.Target, _doubles.Variance, _doubleInputGradient, _doubleVarianceGradient, _twoThreads);

    private void SetOptions(GaussianNllOptions options)
    {
        _oneThread = options with { MaxDegreeOfParallelism = 1 };
        _twoThreads = options with { MaxDegreeOfParallelism = 2 };
    }
}
