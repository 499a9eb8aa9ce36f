using System;
using System.Collections.Generic;
using System.Numerics;

namespace GaussianNll.Tests;

/// <summary>The five entry points of <see cref="GaussianNllLoss"/>.</summary>
public enum Method
{
    Forward,
    ForwardElementwise,
    Backward,
    BackwardElementwise,
    ForwardBackward,
}

/// <summary>
/// Every span of one call carved out of a single array, separated by sentinel gaps, so that a test can make any
/// two spans overlap and can prove, by comparing the whole array with a snapshot, that a failed call modified
/// nothing at all: neither an input nor an output.
/// </summary>
internal sealed class Workspace<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public const string Input = "input";
    public const string Target = "target";
    public const string Variance = "variance";
    public const string OutputGradient = "outputGradient";
    public const string Destination = "destination";
    public const string InputGradient = "inputGradient";
    public const string VarianceGradient = "varianceGradient";

    private const int Gap = 3;
    private readonly Dictionary<string, (int Offset, int Length)> _regions = [];
    private T[] _memory = [];
    private T[] _snapshot = [];

    /// <summary>
    /// Lays out valid data for <paramref name="length"/> elements and <paramref name="varianceLength"/> variance
    /// entries, outputs of the right lengths filled with <see cref="Guarded{T}.Sentinel"/>.
    /// </summary>
    public Workspace(int length, int varianceLength, VarianceParametrization parametrization = VarianceParametrization.Variance, int seed = 1)
    {
        var random = new Random(seed);
        var lengths = new (string Name, int Length)[]
        {
            (Input, length), (Target, length), (Variance, varianceLength), (OutputGradient, length),
            (Destination, length), (InputGradient, length), (VarianceGradient, varianceLength),
        };
        int offset = Gap;
        foreach (var (name, regionLength) in lengths)
        {
            _regions[name] = (offset, regionLength);
            offset += regionLength + Gap;
        }

        _memory = new T[offset];
        _memory.AsSpan().Fill(Guarded<T>.Sentinel);
        Fill(Input, () => Problem<T>.Uniform(random, -2, 2));
        Fill(Target, () => Problem<T>.Uniform(random, -2, 2));
        Fill(OutputGradient, () => Problem<T>.Uniform(random, -1, 1));
        Fill(Variance, () => parametrization == VarianceParametrization.LogVariance ? Problem<T>.Uniform(random, -2, 2) : Problem<T>.Uniform(random, 0.2, 3));
    }

    public Span<T> this[string name] => _memory.AsSpan(_regions[name].Offset, _regions[name].Length);

    public int OffsetOf(string name) => _regions[name].Offset;

    /// <summary>Gives a span a new length (at the same place), growing the array if needed.</summary>
    public void Resize(string name, int length) => Place(name, _regions[name].Offset, length);

    /// <summary>Moves a span to <paramref name="offset"/> in the array (to overlap another span).</summary>
    public void Place(string name, int offset, int length)
    {
        if (offset + length + Gap > _memory.Length)
        {
            int old = _memory.Length;
            Array.Resize(ref _memory, offset + length + Gap);
            _memory.AsSpan(old).Fill(Guarded<T>.Sentinel);
        }

        _regions[name] = (offset, length);
    }

    /// <summary>Remembers the whole array (inputs and sentinel outputs) before a call.</summary>
    public void TakeSnapshot() => _snapshot = (T[])_memory.Clone();

    /// <summary>Whether the whole array still equals the snapshot, bit for bit.</summary>
    public bool Unchanged(out int firstChange)
    {
        for (int i = 0; i < _memory.Length; i++)
        {
            if (!Numbers.SameBits(_memory[i], _snapshot[i]))
            {
                firstChange = i;
                return false;
            }
        }

        firstChange = -1;
        return true;
    }

    /// <summary>Calls an entry point with this workspace's spans.</summary>
    public void Invoke(Method method, GaussianNllOptions? options)
    {
        switch (method)
        {
            case Method.Forward:
                Api<T>.Forward(this[Input], this[Target], this[Variance], options);
                break;
            case Method.ForwardElementwise:
                Api<T>.ForwardElementwise(this[Input], this[Target], this[Variance], this[Destination], options);
                break;
            case Method.Backward:
                Api<T>.Backward(this[Input], this[Target], this[Variance], this[InputGradient], this[VarianceGradient], options, T.CreateTruncating(0.5));
                break;
            case Method.BackwardElementwise:
                Api<T>.BackwardElementwise(this[Input], this[Target], this[Variance], this[OutputGradient], this[InputGradient], this[VarianceGradient], options);
                break;
            default:
                Api<T>.ForwardBackward(this[Input], this[Target], this[Variance], this[InputGradient], this[VarianceGradient], options);
                break;
        }
    }

    /// <summary>The outputs an entry point writes.</summary>
    public static string[] OutputsOf(Method method) => method switch
    {
        Method.Forward => [],
        Method.ForwardElementwise => [Destination],
        _ => [InputGradient, VarianceGradient],
    };

    /// <summary>The span inputs an entry point reads.</summary>
    public static string[] InputsOf(Method method) => method == Method.BackwardElementwise
        ? [Input, Target, Variance, OutputGradient]
        : [Input, Target, Variance];

    private void Fill(string name, Func<double> next)
    {
        var span = this[name];
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = T.CreateTruncating(next());
        }
    }
}
