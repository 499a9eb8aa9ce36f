using System;
using System.Collections.Generic;
using BenchmarkDotNet.Attributes;

namespace GaussianNll.Benchmarks;

/// <summary>
/// Every entry point of the library on the same data (float, mean, elementwise σ²), as ratios of
/// <c>ForwardBackward</c>: what computing only the loss, only the gradients, or the unreduced variants costs.
/// </summary>
[Config(typeof(SuiteConfig))]
[MemoryDiagnoser]
public class EntryPointsFloat
{
    private Workload<float> _workload = null!;
    private float[] _inputGradient = [];
    private float[] _varianceGradient = [];
    private float[] _destination = [];
    private float[] _outputGradient = [];

    public static IEnumerable<int> Sizes => BenchSizes.Standard;

    [ParamsSource(nameof(Sizes))]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _workload = Workload<float>.Create(Size);
        _inputGradient = new float[Size];
        _varianceGradient = new float[Size];
        _destination = new float[Size];
        _outputGradient = new float[Size];
        var random = new Random(7);
        for (int i = 0; i < _outputGradient.Length; i++)
        {
            _outputGradient[i] = 0.5f + random.NextSingle();
        }

        Verify.Results("ForwardBackward", _workload, ForwardBackward(), inputGradient: _inputGradient, varianceGradient: _varianceGradient);
        Verify.Results("Forward", _workload, Forward());
        ForwardElementwise();
        Verify.Results("ForwardElementwise", _workload, null, elementLoss: _destination);
        _inputGradient.AsSpan().Clear();
        _varianceGradient.AsSpan().Clear();
        Backward();
        Verify.Results("Backward", _workload, null, inputGradient: _inputGradient, varianceGradient: _varianceGradient);
        BackwardElementwise();
        Verify.Results("BackwardElementwise", _workload, null, outputGradient: _outputGradient, inputGradient: _inputGradient, varianceGradient: _varianceGradient);
    }

    [Benchmark(Baseline = true)]
    public float ForwardBackward() =>
        GaussianNllLoss.ForwardBackward(_workload.Input, _workload.Target, _workload.Variance, _inputGradient, _varianceGradient, _workload.Options);

    [Benchmark]
    public float Forward() =>
        GaussianNllLoss.Forward(_workload.Input, _workload.Target, _workload.Variance, _workload.Options);

    [Benchmark]
    public float ForwardElementwise()
    {
        GaussianNllLoss.ForwardElementwise(_workload.Input, _workload.Target, _workload.Variance, _destination, _workload.Options);
        return _destination[^1];
    }

    [Benchmark]
    public float Backward()
    {
        GaussianNllLoss.Backward(_workload.Input, _workload.Target, _workload.Variance, _inputGradient, _varianceGradient, _workload.Options);
        return _varianceGradient[^1];
    }

    [Benchmark]
    public float BackwardElementwise()
    {
        GaussianNllLoss.BackwardElementwise(_workload.Input, _workload.Target, _workload.Variance, _outputGradient, _inputGradient, _varianceGradient, _workload.Options);
        return _varianceGradient[^1];
    }
}
