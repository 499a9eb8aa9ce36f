using System;
using System.Numerics;

namespace GaussianNll.Tests;

internal delegate T ForwardFunc<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> variance, GaussianNllOptions? options);

internal delegate void ForwardElementwiseAction<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> variance, Span<T> destination, GaussianNllOptions? options);

internal delegate void BackwardAction<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> variance, Span<T> inputGradient, Span<T> varianceGradient, GaussianNllOptions? options, T outputGradient);

internal delegate void BackwardElementwiseAction<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> variance, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, Span<T> varianceGradient, GaussianNllOptions? options);

internal delegate T ForwardBackwardFunc<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> variance, Span<T> inputGradient, Span<T> varianceGradient, GaussianNllOptions? options);

internal delegate void AccumulatorAddAction<T>(GaussianNllAccumulator accumulator, ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> variance);

/// <summary>The public API for float or double, picked by <typeparamref name="T"/>, so that one generic test covers both.</summary>
internal static class Api<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public static readonly ForwardFunc<T> Forward = Pick<ForwardFunc<T>>(
        new ForwardFunc<float>(GaussianNllLoss.Forward),
        new ForwardFunc<double>(GaussianNllLoss.Forward));

    public static readonly ForwardElementwiseAction<T> ForwardElementwise = Pick<ForwardElementwiseAction<T>>(
        new ForwardElementwiseAction<float>(GaussianNllLoss.ForwardElementwise),
        new ForwardElementwiseAction<double>(GaussianNllLoss.ForwardElementwise));

    public static readonly BackwardAction<T> Backward = Pick<BackwardAction<T>>(
        new BackwardAction<float>(GaussianNllLoss.Backward),
        new BackwardAction<double>(GaussianNllLoss.Backward));

    public static readonly BackwardElementwiseAction<T> BackwardElementwise = Pick<BackwardElementwiseAction<T>>(
        new BackwardElementwiseAction<float>(GaussianNllLoss.BackwardElementwise),
        new BackwardElementwiseAction<double>(GaussianNllLoss.BackwardElementwise));

    public static readonly ForwardBackwardFunc<T> ForwardBackward = Pick<ForwardBackwardFunc<T>>(
        new ForwardBackwardFunc<float>(GaussianNllLoss.ForwardBackward),
        new ForwardBackwardFunc<double>(GaussianNllLoss.ForwardBackward));

    public static readonly AccumulatorAddAction<T> Add = Pick<AccumulatorAddAction<T>>(
        new AccumulatorAddAction<float>((a, i, t, v) => a.Add(i, t, v)),
        new AccumulatorAddAction<double>((a, i, t, v) => a.Add(i, t, v)));

    /// <summary>The unit roundoff of T: half the distance from 1 to the next number (2^-24 for float, 2^-53 for double).</summary>
    public static readonly double UnitRoundoff = typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);

    public static bool IsFloat => typeof(T) == typeof(float);

    public static string Name => IsFloat ? "float" : "double";

    private static TDelegate Pick<TDelegate>(Delegate forFloat, Delegate forDouble)
        where TDelegate : Delegate =>
        (TDelegate)(typeof(T) == typeof(float) ? forFloat : typeof(T) == typeof(double) ? forDouble : throw new NotSupportedException(typeof(T).Name));
}
