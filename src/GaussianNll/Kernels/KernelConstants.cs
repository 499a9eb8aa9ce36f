using System.Numerics;
using System.Runtime.CompilerServices;

namespace GaussianNll.Kernels;

/// <summary>The scalar settings of one call, in the element type.</summary>
internal readonly struct KernelSettings<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>ε, the lower clamp of the variance.</summary>
    public required T Epsilon { get; init; }

    /// <summary>ln ε, the lower clamp of the log-variance.</summary>
    public required T LogEpsilon { get; init; }

    /// <summary>½·ln(2π) when the loss is full, else zero.</summary>
    public required T Constant { get; init; }

    /// <summary>β of β-NLL.</summary>
    public required T Beta { get; init; }

    /// <summary>The factor of every gradient when there is no per-element output gradient.</summary>
    public required T Scale { get; init; }

    /// <summary>Whether the per-element losses are summed.</summary>
    public required bool ReduceLoss { get; init; }
}

/// <summary>The settings of one call broadcast to a vector, built once per run of the kernel.</summary>
/// <remarks>
/// The JIT keeps each vector field in a register across the loop (a struct left in memory would cost stores on every
/// call and loads in the loop). It would keep more than these four (the logarithm's five <see
/// cref="LogCoefficients{T, TVector}"/> are), but every field built here counts against the inlining budget of each
/// method that builds the struct: with the logarithm's coefficients added, the preparation of per-row entries ran out
/// of it. Fixed numbers are properties the JIT folds into constants; β is a local of the loop that needs it.
/// </remarks>
internal readonly struct KernelConstants<T, TVector>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TVector : struct, ISimdVector<TVector, T>
{
    /// <summary>The lower clamp of the caller's number: ε, or ln ε for the log-variance.</summary>
    public readonly TVector Clamp;

    /// <summary>½·ln(2π) when the loss is full, else zero.</summary>
    public readonly TVector Constant;

    /// <summary>The factor of every gradient when there is no per-element output gradient.</summary>
    public readonly TVector Scale;

    /// <summary>½·<see cref="Scale"/>: the variance gradients' factor.</summary>
    public readonly TVector HalfScale;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public KernelConstants(in KernelSettings<T> settings, T clamp)
    {
        Clamp = TVector.Create(clamp);
        Constant = TVector.Create(settings.Constant);
        Scale = TVector.Create(settings.Scale);
        HalfScale = TVector.Create(settings.Scale * T.CreateTruncating(0.5));
    }

    public TVector Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TVector.Create(T.Zero);
    }

    public TVector One
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TVector.Create(T.One);
    }

    public TVector Half
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TVector.Create(T.CreateTruncating(0.5));
    }
}
