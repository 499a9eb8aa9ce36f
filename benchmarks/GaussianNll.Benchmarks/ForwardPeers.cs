using System.Collections.Generic;
using BenchmarkDotNet.Attributes;

namespace GaussianNll.Benchmarks;

/// <summary>
/// <c>Forward</c> (the reduced loss alone, mean, elementwise σ²), float, against the scalar loop, the
/// TensorPrimitives composition and the read-only memory-limit kernels (three arrays read, nothing written).
/// </summary>
[Config(typeof(SuiteConfig))]
[MemoryDiagnoser]
public class ForwardPeersFloat
{
    private Workload<float> _workload = null!;
    private Temporaries<float> _temporaries = null!;

    public static IEnumerable<int> Sizes => BenchSizes.Standard;

    [ParamsSource(nameof(Sizes))]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _workload = Workload<float>.Create(Size);
        _temporaries = new Temporaries<float>(Size);

        Verify.Results("scalar loop", _workload, ScalarLoop());
        Verify.Results("TensorPrimitives", _workload, TensorPrimitives(), lossTolerance: 1e-3);
        Verify.Results("GaussianNll", _workload, GaussianNllLibrary());
    }

    [Benchmark(Baseline = true)]
    public float ScalarLoop() =>
        ScalarBaseline.Forward(_workload.Input, _workload.Target, _workload.Variance, _workload.Epsilon);

    [Benchmark]
    public float TensorPrimitives() =>
        TensorPrimitivesComposition.Forward<float>(_workload.Input, _workload.Target, _workload.Variance, _workload.Epsilon, _temporaries);

    [Benchmark]
    [MemoryLimitKernel]
    public float MemoryLimitVector512() =>
        MemoryLimit.ReadVector512Kernel<float>(_workload.Input, _workload.Target, _workload.Variance);

    [Benchmark]
    [MemoryLimitKernel]
    public float MemoryLimitSum() =>
        MemoryLimit.ReadSumKernel<float>(_workload.Input, _workload.Target, _workload.Variance);

    [Benchmark]
    public float GaussianNllLibrary() =>
        GaussianNllLoss.Forward(_workload.Input, _workload.Target, _workload.Variance, _workload.Options);
}
