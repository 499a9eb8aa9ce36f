using System;
using System.Numerics;

namespace GaussianNll.Kernels;

/// <summary>What one run of the kernel computes and how it reads the variance.</summary>
[Flags]
internal enum KernelOutputs
{
    None = 0,

    /// <summary>Write each element's loss.</summary>
    WriteLoss = 1 << 0,

    /// <summary>Sum the elements' losses.</summary>
    ReduceLoss = 1 << 1,

    /// <summary>Write d(loss)/d(input).</summary>
    InputGradient = 1 << 2,

    /// <summary>Write (or add to, or sum) d(loss)/d(variance).</summary>
    VarianceGradient = 1 << 3,

    /// <summary>Scale the gradients by a per-element output gradient rather than by one number.</summary>
    PerElementScale = 1 << 4,

    /// <summary>One variance shared by every element.</summary>
    BroadcastVariance = 1 << 5,

    /// <summary>Add the per-element variance gradients to what the span holds.</summary>
    AccumulateVarianceGradient = 1 << 6,

    /// <summary>
    /// 1/v (and the chain factor, and ln v unless the job carries Σ ln v instead) come ready per element from
    /// <see cref="Job{T}.Prepared"/> instead of being derived from the variance: a few distinct variances spread over
    /// many elements (short rows), without β.
    /// </summary>
    PreparedVariance = 1 << 7,

    /// <summary>
    /// Apply ½ and the constant to each element's loss even when the losses are only summed (by default their terms
    /// are summed and halved per block, which can overflow where the halved losses do not).
    /// </summary>
    LossPerElement = 1 << 8,
}

/// <summary>
/// Supplies the kernel's <see cref="KernelOutputs"/>: the constant structs below make the JIT compile one loop per
/// common combination with its dead branches removed; <see cref="RuntimeOutputs"/> carries any other combination.
/// </summary>
internal interface IKernelOutputs
{
    KernelOutputs Flags { get; }
}

/// <summary>Any combination, read at run time.</summary>
internal readonly struct RuntimeOutputs(KernelOutputs flags) : IKernelOutputs
{
    public KernelOutputs Flags => flags;
}

/// <summary><see cref="GaussianNllLoss"/>'s <c>ForwardBackward</c> with a per-element variance.</summary>
internal readonly struct ForwardBackwardOutputs : IKernelOutputs
{
    public const KernelOutputs Value = KernelOutputs.ReduceLoss | KernelOutputs.InputGradient | KernelOutputs.VarianceGradient;

    public KernelOutputs Flags => Value;
}

/// <summary><c>Forward</c> with a per-element variance.</summary>
internal readonly struct ForwardOutputs : IKernelOutputs
{
    public const KernelOutputs Value = KernelOutputs.ReduceLoss;

    public KernelOutputs Flags => Value;
}

/// <summary><c>ForwardElementwise</c> with a per-element variance.</summary>
internal readonly struct ForwardElementwiseOutputs : IKernelOutputs
{
    public const KernelOutputs Value = KernelOutputs.WriteLoss;

    public KernelOutputs Flags => Value;
}

/// <summary><c>Backward</c> with a per-element variance, both gradients wanted.</summary>
internal readonly struct BackwardOutputs : IKernelOutputs
{
    public const KernelOutputs Value = KernelOutputs.InputGradient | KernelOutputs.VarianceGradient;

    public KernelOutputs Flags => Value;
}

/// <summary><c>BackwardElementwise</c> with a per-element variance, both gradients wanted.</summary>
internal readonly struct BackwardElementwiseOutputs : IKernelOutputs
{
    public const KernelOutputs Value = KernelOutputs.InputGradient | KernelOutputs.VarianceGradient | KernelOutputs.PerElementScale;

    public KernelOutputs Flags => Value;
}
