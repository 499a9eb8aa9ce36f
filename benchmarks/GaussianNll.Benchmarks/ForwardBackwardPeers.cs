using System.Collections.Generic;
using BenchmarkDotNet.Attributes;

namespace GaussianNll.Benchmarks;

/// <summary>
/// The headline comparison: <c>ForwardBackward</c> (mean reduction, elementwise σ²), float, against the
/// scalar loop a user would write (the baseline), the <see cref="System.Numerics.Tensors.TensorPrimitives"/>
/// composition, and the two memory-limit kernels (the report uses the faster of them).
/// </summary>
[Config(typeof(SuiteConfig))]
[MemoryDiagnoser]
public class ForwardBackwardPeersFloat
{
    private Workload<float> _workload = null!;
    private float[] _inputGradient = [];
    private float[] _varianceGradient = [];
    private Temporaries<float> _temporaries = null!;

    public static IEnumerable<int> Sizes => BenchSizes.Standard;

    [ParamsSource(nameof(Sizes))]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _workload = Workload<float>.Create(Size);
        _inputGradient = new float[Size];
        _varianceGradient = new float[Size];
        _temporaries = new Temporaries<float>(Size);

        Verify.Results("scalar loop", _workload, ScalarLoop(), inputGradient: _inputGradient, varianceGradient: _varianceGradient);
        // TensorPrimitives.Sum adds floats in float lanes: at 16M elements its loss is only good to ~1e-4.
        Verify.Results("TensorPrimitives", _workload, TensorPrimitives(), inputGradient: _inputGradient, varianceGradient: _varianceGradient, lossTolerance: 1e-3);
        Verify.Results("GaussianNll", _workload, GaussianNllLibrary(), inputGradient: _inputGradient, varianceGradient: _varianceGradient);
        Verify.MemoryLimitKernels(_workload, _inputGradient, _varianceGradient);
    }

    [Benchmark(Baseline = true)]
    public float ScalarLoop() =>
        ScalarBaseline.ForwardBackward(_workload.Input, _workload.Target, _workload.Variance, _inputGradient, _varianceGradient, _workload.Epsilon);

    [Benchmark]
    public float TensorPrimitives() =>
        TensorPrimitivesComposition.ForwardBackward<float>(_workload.Input, _workload.Target, _workload.Variance, _inputGradient, _varianceGradient, _workload.Epsilon, _temporaries);

    [Benchmark]
    [MemoryLimitKernel]
    public float MemoryLimitVector512() =>
        MemoryLimit.Vector512Kernel<float>(_workload.Input, _workload.Target, _workload.Variance, _inputGradient, _varianceGradient);

    [Benchmark]
    [MemoryLimitKernel]
    public float MemoryLimitCopy() =>
        MemoryLimit.CopyKernel<float>(_workload.Input, _workload.Target, _workload.Variance, _inputGradient, _varianceGradient);

    [Benchmark]
    public float GaussianNllLibrary() =>
        GaussianNllLoss.ForwardBackward(_workload.Input, _workload.Target, _workload.Variance, _inputGradient, _varianceGradient, _workload.Options);
}

/// <summary>The same comparison as <see cref="ForwardBackwardPeersFloat"/>, in double.</summary>
[Config(typeof(SuiteConfig))]
[MemoryDiagnoser]
public class ForwardBackwardPeersDouble
{
    private Workload<double> _workload = null!;
    private double[] _inputGradient = [];
    private double[] _varianceGradient = [];
    private Temporaries<double> _temporaries = null!;

    public static IEnumerable<int> Sizes => BenchSizes.Standard;

    [ParamsSource(nameof(Sizes))]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _workload = Workload<double>.Create(Size);
        _inputGradient = new double[Size];
        _varianceGradient = new double[Size];
        _temporaries = new Temporaries<double>(Size);

        Verify.Results("scalar loop", _workload, ScalarLoop(), inputGradient: _inputGradient, varianceGradient: _varianceGradient);
        Verify.Results("TensorPrimitives", _workload, TensorPrimitives(), inputGradient: _inputGradient, varianceGradient: _varianceGradient);
        Verify.Results("GaussianNll", _workload, GaussianNllLibrary(), inputGradient: _inputGradient, varianceGradient: _varianceGradient);
        Verify.MemoryLimitKernels(_workload, _inputGradient, _varianceGradient);
    }

    [Benchmark(Baseline = true)]
    public double ScalarLoop() =>
        ScalarBaseline.ForwardBackward(_workload.Input, _workload.Target, _workload.Variance, _inputGradient, _varianceGradient, _workload.Epsilon);

    [Benchmark]
    public double TensorPrimitives() =>
        TensorPrimitivesComposition.ForwardBackward<double>(_workload.Input, _workload.Target, _workload.Variance, _inputGradient, _varianceGradient, _workload.Epsilon, _temporaries);

    [Benchmark]
    [MemoryLimitKernel]
    public double MemoryLimitVector512() =>
        MemoryLimit.Vector512Kernel<double>(_workload.Input, _workload.Target, _workload.Variance, _inputGradient, _varianceGradient);

    [Benchmark]
    [MemoryLimitKernel]
    public double MemoryLimitCopy() =>
        MemoryLimit.CopyKernel<double>(_workload.Input, _workload.Target, _workload.Variance, _inputGradient, _varianceGradient);

    [Benchmark]
    public double GaussianNllLibrary() =>
        GaussianNllLoss.ForwardBackward(_workload.Input, _workload.Target, _workload.Variance, _inputGradient, _varianceGradient, _workload.Options);
}
