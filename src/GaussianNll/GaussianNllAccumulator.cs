using System;
using System.Numerics;

namespace GaussianNll;

/// <summary>
/// Accumulates the Gaussian negative log-likelihood over data that arrives in chunks: a dataset too large for memory,
/// or shards evaluated apart and merged afterwards.
/// </summary>
/// <remarks>
/// <para>
/// The options are fixed at construction; their <see cref="GaussianNllOptions.Reduction"/> is not used, since both
/// <see cref="Sum"/> and <see cref="Mean"/> are available. Each <c>Add</c> computes the chunk's sum of per-element
/// losses exactly as <see cref="GaussianNllLoss.Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, GaussianNllOptions?)"/>
/// does (validation and negative-variance checks included) and adds it to a double total, so a dataset added in
/// chunks gives the one-shot result to within the rounding of the chunk sums, however it was cut.
/// A chunk's variance is laid out as the options say, relative to that chunk (a per-row variance covers the
/// chunk's rows).
/// </para>
/// <para>
/// <c>Add</c> allocates nothing. An instance is not thread-safe: give each thread its own and <see cref="Merge"/>
/// them.
/// </para>
/// </remarks>
public sealed class GaussianNllAccumulator
{
    /// <summary>Creates an empty accumulator.</summary>
    /// <param name="options">The settings of the loss; <see langword="null"/> for <see cref="GaussianNllOptions.Default"/>.</param>
    public GaussianNllAccumulator(GaussianNllOptions? options = null) => Options = options ?? GaussianNllOptions.Default;

    /// <summary>The settings every chunk is evaluated with.</summary>
    public GaussianNllOptions Options { get; }

    /// <summary>The number of elements added so far.</summary>
    public long Count { get; private set; }

    /// <summary>The sum of the per-element losses added so far (0 when nothing has been added).</summary>
    public double Sum { get; private set; }

    /// <summary>The mean per-element loss, <c>Sum / Count</c>; NaN when nothing has been added (as PyTorch's mean of nothing).</summary>
    public double Mean => Sum / Count;

    /// <summary>Adds a chunk of float data.</summary>
    /// <param name="input">The predicted means μ.</param>
    /// <param name="target">The observed targets y. Same length as <paramref name="input"/>.</param>
    /// <param name="variance">The chunk's variances, laid out and parametrized as <see cref="Options"/> says.</param>
    /// <exception cref="ArgumentException">
    /// A length does not fit, or <paramref name="variance"/> has a negative entry; the accumulator is then unchanged.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <see cref="Options"/> has an epsilon outside [1.17549435e-38, float.MaxValue], the range float data needs.
    /// </exception>
    public void Add(ReadOnlySpan<float> input, ReadOnlySpan<float> target, ReadOnlySpan<float> variance) =>
        Add<float>(input, target, variance);

    /// <summary>Adds a chunk of double data.</summary>
    /// <param name="input">The predicted means μ.</param>
    /// <param name="target">The observed targets y. Same length as <paramref name="input"/>.</param>
    /// <param name="variance">The chunk's variances, laid out and parametrized as <see cref="Options"/> says.</param>
    /// <exception cref="ArgumentException">
    /// A length does not fit, or <paramref name="variance"/> has a negative entry; the accumulator is then unchanged.
    /// </exception>
    public void Add(ReadOnlySpan<double> input, ReadOnlySpan<double> target, ReadOnlySpan<double> variance) =>
        Add<double>(input, target, variance);

    /// <summary>Adds what another accumulator has gathered, as if its chunks had been added here.</summary>
    /// <param name="other">An accumulator with equal <see cref="Options"/>; it is left unchanged.</param>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="other"/> was built with different options.</exception>
    public void Merge(GaussianNllAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!SameLoss(Options, other.Options))
        {
            throw new ArgumentException("Accumulators with different options cannot be merged.", nameof(other));
        }

        Count += other.Count;
        Sum += other.Sum;
    }

    /// <summary>Forgets everything added, keeping the options.</summary>
    public void Reset()
    {
        Count = 0;
        Sum = 0;
    }

    private void Add<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> variance)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        GaussianNllCore.Validate(input, target, variance, Options);
        Sum += GaussianNllCore.Execute(input, target, variance, default, default, default, default, Options, reduceLoss: true, scale: 0);
        Count += input.Length;
    }

    /// <summary>Whether two options define the same per-element loss (reduction and threading do not matter).</summary>
    private static bool SameLoss(GaussianNllOptions a, GaussianNllOptions b) =>
        a with { Reduction = Reduction.Mean, MaxDegreeOfParallelism = 1 } == b with { Reduction = Reduction.Mean, MaxDegreeOfParallelism = 1 };
}
