using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace GaussianNll.Kernels;

/// <summary>
/// One contiguous run of elements for the kernel: the inputs, and the outputs it should write (an empty output is
/// not wanted). The variance is either one per element or, when <see cref="BroadcastVariance"/> is set, one value
/// shared by every element or one value per vector lane (<see cref="LossKernel.WidestLanes{T}"/> of them, for a length
/// that is a multiple of that: each lane then meets its own value throughout).
/// </summary>
internal ref struct Job<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public ReadOnlySpan<T> Input;
    public ReadOnlySpan<T> Target;

    /// <summary>One entry per element, or when <see cref="BroadcastVariance"/> is set one entry or one per lane.</summary>
    public ReadOnlySpan<T> Variance;

    /// <summary>Per-element factors of the gradients; empty to use <see cref="KernelSettings{T}.Scale"/>.</summary>
    public ReadOnlySpan<T> OutputGradient;

    /// <summary>Where the per-element loss goes; empty when not wanted.</summary>
    public Span<T> Loss;

    /// <summary>Where d(loss)/d(input) goes; empty when not wanted.</summary>
    public Span<T> InputGradient;

    /// <summary>
    /// Per-element variance gradients (written, or added to when <see cref="AccumulateVarianceGradient"/> is set);
    /// empty when not wanted, or when the variance is broadcast and its gradient is returned as a sum instead. With a
    /// variance broadcast per lane, one entry per lane, to which the kernel adds each lane's sum (in T, per block).
    /// </summary>
    public Span<T> VarianceGradient;

    /// <summary>
    /// When its 1/v is not empty, ln v, 1/v and the chain factor of every element, computed by
    /// <see cref="LossKernel.Prepare{T, TPar}"/>: the kernel reads them instead of deriving them from
    /// <see cref="Variance"/> (which it then does not read). A job whose loss is only summed
    /// (<see cref="LossKernel.SumsLogVarianceApart{T}"/>) has no ln v per element but <see cref="LogVarianceSum"/>.
    /// </summary>
    public PreparedSpans<T> Prepared;

    /// <summary>
    /// Whether <see cref="Prepared"/> holds one entry per vector of the widest width (<see cref="LossKernel.WidestLanes{T}"/>
    /// elements, a row of a per-row layout exactly that wide) rather than one per element.
    /// </summary>
    public bool PreparedPerVector;

    /// <summary>
    /// When positive, <see cref="Prepared"/> holds one entry per row of this many elements (more than
    /// <see cref="LossKernel.WidestLanes{T}"/>, so a vector spans at most two rows), and one more after the last row,
    /// which the kernel may read but never uses: the job is whole rows of a per-row layout.
    /// </summary>
    public int PreparedRowLength;

    /// <summary>
    /// When positive, the length of a period of a per-column layout (whole rows and whole vectors of the widest width):
    /// <see cref="Prepared"/> holds one period's entries, element i reads those of element i mod the period, and
    /// <see cref="VarianceGradient"/> (a period long) has each element's variance gradient added into element i mod the
    /// period: the first period's written (as 0 + g), the later ones' added, so the buffer needs no clearing where the job
    /// covers a period (the caller zeroes what a shorter job leaves). The job is whole rows.
    /// </summary>
    public int PreparedPeriod;

    /// <summary>Σ ln v over the elements of a prepared job without per-element ln v.</summary>
    public double LogVarianceSum;

    public bool BroadcastVariance;
    public bool AccumulateVarianceGradient;

    /// <summary>Whether the broadcast variance's gradient should be summed into <see cref="Sums.VarianceGradient"/>.</summary>
    public bool SumVarianceGradient;

    /// <summary>
    /// Where not empty, the per-element outputs (<see cref="Loss"/>, <see cref="InputGradient"/>, and
    /// <see cref="VarianceGradient"/> where it is per element) may be written by whole aligned vectors: through the
    /// caches where an output of the call is off a cache line (see <see cref="LossKernel.AlignedStoreBytes"/>), from
    /// <see cref="LossKernel.SplitStoreBytes"/> on with the input gradient past them where the call writes both
    /// gradients per element, and from <see cref="LossKernel.StreamingBytes"/> on all past them by non-temporal stores
    /// (with AVX-512, where the job's outputs are written per element and aligned to their elements; see
    /// <c>GaussianNllCore.CallStreams</c>). A job continues the carry of the job before it where its outputs start
    /// where that job's ended. The owner (a walk over
    /// consecutive chunks) gives it only for the caller's own output arrays, never for the kernel's scratch buffers,
    /// keeps them pinned for the whole walk, and calls <see cref="StreamCarry{T}.FlushAll"/> after the last job, before
    /// anything reads the outputs.
    /// </summary>
    public StreamCarry<T> StreamCarry;
}

/// <summary>Partial results of the kernel, accumulated in double in a fixed order.</summary>
internal struct Sums
{
    public double Loss;
    public double VarianceGradient;
    public bool NegativeVariance;
}

/// <summary>
/// Per-element ln v, 1/v and chain factor (the last empty unless the parametrization has one). Where the kernel divides
/// by v (<see cref="LossKernel.DividesByVariance{TPar}"/>), <see cref="InverseVariance"/> holds v itself.
/// </summary>
internal ref struct PreparedSpans<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public Span<T> LogVariance;
    public Span<T> InverseVariance;
    public Span<T> Chain;

    /// <summary>The elements [offset, offset + count) of each span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly PreparedSpans<T> Slice(int offset, int count) => new()
    {
        LogVariance = LogVariance.IsEmpty ? default : LogVariance.Slice(offset, count),
        InverseVariance = InverseVariance.Slice(offset, count),
        Chain = Chain.IsEmpty ? default : Chain.Slice(offset, count),
    };
}
