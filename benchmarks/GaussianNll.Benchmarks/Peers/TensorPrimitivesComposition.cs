using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GaussianNll.Benchmarks;

/// <summary>
/// What a careful .NET developer would write with System.Numerics.Tensors: one vectorized
/// <see cref="TensorPrimitives"/> call per operation, into temporaries allocated once (<see cref="Temporaries{T}"/>),
/// each call a full pass over memory.
/// </summary>
public static class TensorPrimitivesComposition
{
    /// <summary>The mean loss and its gradients: 7 passes for the loss, 6 for the gradients.</summary>
    public static T ForwardBackward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> variance, Span<T> inputGradient, Span<T> varianceGradient, T epsilon, Temporaries<T> temporaries)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(temporaries);
        int n = input.Length;
        Span<T> v = temporaries.V.AsSpan(0, n);
        Span<T> d = temporaries.D.AsSpan(0, n);
        Span<T> q = temporaries.Q.AsSpan(0, n);
        Span<T> r = temporaries.R.AsSpan(0, n);
        T half = T.CreateTruncating(0.5);
        T inverseN = T.One / T.CreateTruncating(n);

        // Loss: ½·Σ(ln v + d²/v) / N.
        TensorPrimitives.Max(variance, epsilon, v);       // v = max(σ², ε)
        TensorPrimitives.Subtract(input, target, d);       // d = μ − y
        TensorPrimitives.Multiply(d, d, q);                // d²
        TensorPrimitives.Divide(q, v, q);                  // q = d²/v
        TensorPrimitives.Log(v, r);                        // ln v
        TensorPrimitives.Add(r, q, r);                     // ln v + d²/v
        T loss = half * TensorPrimitives.Sum<T>(r) * inverseN;

        // Gradients: d/v / N and ½(1/v − d²/v²) / N.
        TensorPrimitives.Divide(d, v, inputGradient);      // d/v
        TensorPrimitives.Multiply(inputGradient, inverseN, inputGradient);
        TensorPrimitives.Reciprocal(v, r);                 // 1/v
        TensorPrimitives.Multiply(q, r, q);                // d²/v²
        TensorPrimitives.Subtract(r, q, varianceGradient); // 1/v − d²/v²
        TensorPrimitives.Multiply(varianceGradient, half * inverseN, varianceGradient);
        return loss;
    }

    /// <summary>The mean loss only: 7 passes.</summary>
    public static T Forward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> variance, T epsilon, Temporaries<T> temporaries)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(temporaries);
        int n = input.Length;
        Span<T> v = temporaries.V.AsSpan(0, n);
        Span<T> d = temporaries.D.AsSpan(0, n);
        Span<T> r = temporaries.R.AsSpan(0, n);
        TensorPrimitives.Max(variance, epsilon, v);
        TensorPrimitives.Subtract(input, target, d);
        TensorPrimitives.Multiply(d, d, d);
        TensorPrimitives.Divide(d, v, d);
        TensorPrimitives.Log(v, r);
        TensorPrimitives.Add(r, d, r);
        return T.CreateTruncating(0.5) * TensorPrimitives.Sum<T>(r) / T.CreateTruncating(n);
    }
}

/// <summary>The scratch arrays of <see cref="TensorPrimitivesComposition"/>, allocated once in a benchmark's setup.</summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class Temporaries<T>
{
    /// <summary>Allocates four arrays of <paramref name="length"/> elements.</summary>
    public Temporaries(int length)
    {
        V = new T[length];
        D = new T[length];
        Q = new T[length];
        R = new T[length];
    }

    /// <summary>The clamped variance.</summary>
    public T[] V { get; }

    /// <summary>The residual μ − y.</summary>
    public T[] D { get; }

    /// <summary>d²/v, then d²/v².</summary>
    public T[] Q { get; }

    /// <summary>ln v + d²/v, then 1/v.</summary>
    public T[] R { get; }
}
