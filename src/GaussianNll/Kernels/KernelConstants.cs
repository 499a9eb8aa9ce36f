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
internal readonly struct KernelConstants<T, TVector>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TVector : struct, ISimdVector<TVector, T>
{
    public readonly TVector Zero;
    public readonly TVector One;
    public readonly TVector Half;
    public readonly TVector Epsilon;
    public readonly TVector LogEpsilon;
    public readonly TVector Constant;
    public readonly TVector Beta;
    public readonly TVector Scale;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public KernelConstants(in KernelSettings<T> settings)
    {
        Zero = TVector.Create(T.Zero);
        One = TVector.Create(T.One);
        Half = TVector.Create(T.CreateTruncating(0.5));
        Epsilon = TVector.Create(settings.Epsilon);
        LogEpsilon = TVector.Create(settings.LogEpsilon);
        Constant = TVector.Create(settings.Constant);
        Beta = TVector.Create(settings.Beta);
        Scale = TVector.Create(settings.Scale);
    }
}
