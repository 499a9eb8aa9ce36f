using System.Numerics;
using System.Runtime.CompilerServices;

namespace GaussianNll.Kernels;

/// <summary>The per-element quantities a parametrization derives from the number the caller passed.</summary>
/// <typeparam name="TVector">A vector type (or <see cref="Scalar{T}"/>).</typeparam>
internal struct Prepared<TVector>
    where TVector : struct
{
    /// <summary><c>ln v</c>, v the clamped variance (left unset by a preparation without the logarithm).</summary>
    public TVector LogVariance;

    /// <summary>v itself, from a parametrization that takes its logarithm (see <see cref="IParametrization.TakesLog"/>).</summary>
    public TVector Variance;

    /// <summary><c>1/v</c>.</summary>
    public TVector InverseVariance;

    /// <summary>
    /// The factor that turns <c>½(1/v − (d/v)²)</c> into the derivative with respect to the caller's number where it
    /// varies per element: 2σ for the standard deviation (unused by the other parametrizations).
    /// </summary>
    public TVector Chain;
}

/// <summary>
/// Turns the number in the variance span (σ², ln σ² or σ) into the clamped variance the loss uses, and the
/// variance part of the gradient back into a derivative with respect to that number.
/// </summary>
internal interface IParametrization
{
    /// <summary>Whether a negative entry is invalid (σ² and σ; ln σ² may be anything).</summary>
    static abstract bool RejectsNegative { get; }

    /// <summary>Whether <see cref="Prepared{TVector}.Chain"/> is used (the standard deviation).</summary>
    static abstract bool HasChain { get; }

    /// <summary>
    /// Whether ln v is the logarithm of the variance <see cref="Prepare"/> derives (σ², σ), rather than the caller's
    /// number itself (ln σ²): only then can a preparation without the logarithm give v for the caller to take it.
    /// </summary>
    static abstract bool TakesLog { get; }

    /// <summary>The lower clamp of the caller's number: ε, or ln ε for the log-variance.</summary>
    static abstract T LowerClamp<T>(in KernelSettings<T> settings)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    /// <summary>
    /// Derives <c>ln v</c>, <c>1/v</c> and the chain factor from the caller's number <paramref name="p"/>; without
    /// <paramref name="withLog"/>, where <see cref="TakesLog"/>, v instead of ln v. A flag, not a type parameter, so
    /// that the logarithm is imported into the kernel once (the JIT drops the dead branch when the flag is a constant).
    /// <paramref name="log"/> holds the logarithm's coefficients: <see cref="LogCoefficients{T, TVector}.Hoisted"/>, built
    /// once before the caller's loop, or <see cref="LogCoefficients{T, TVector}.Literals"/> outside one (unused by the
    /// log-variance, which takes no logarithm).
    /// </summary>
    static abstract Prepared<TVector> Prepare<T, TVector>(TVector p, in KernelConstants<T, TVector> constants, in LogCoefficients<T, TVector> log, bool withLog = true)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T>;

    /// <summary>
    /// The derivative of the unweighted element loss with respect to the caller's number, times
    /// 2·<paramref name="halfScale"/>, given <c>r = d/v</c> and <c>q = d²/v</c>.
    /// </summary>
    static abstract TVector Gradient<T, TVector>(in Prepared<TVector> prepared, TVector r, TVector q, TVector halfScale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T>;
}

/// <summary>σ²: <c>v = max(σ², ε)</c>, <c>d/dσ² = ½(1/v − d²/v²)</c>.</summary>
internal readonly struct VarianceInput : IParametrization
{
    public static bool RejectsNegative => true;

    public static bool HasChain => false;

    public static bool TakesLog => true;

    public static T LowerClamp<T>(in KernelSettings<T> settings)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => settings.Epsilon;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Prepared<TVector> Prepare<T, TVector>(TVector p, in KernelConstants<T, TVector> constants, in LogCoefficients<T, TVector> log, bool withLog = true)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T>
    {
        var v = TVector.ClampBelow(p, constants.Clamp);
        return withLog
            ? new Prepared<TVector> { LogVariance = FastMath.Log(v, log), Variance = v, InverseVariance = constants.One / v }
            : new Prepared<TVector> { Variance = v, InverseVariance = constants.One / v };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Gradient<T, TVector>(in Prepared<TVector> prepared, TVector r, TVector q, TVector halfScale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T> =>
        TVector.NegatedMultiplyAdd(r, r, prepared.InverseVariance) * halfScale;
}

/// <summary>σ: <c>v = max(σ², ε)</c>, <c>d/dσ = 2σ·½(1/v − d²/v²) = σ(1/v − d²/v²)</c>.</summary>
internal readonly struct StandardDeviationInput : IParametrization
{
    public static bool RejectsNegative => true;

    public static bool HasChain => true;

    public static bool TakesLog => true;

    public static T LowerClamp<T>(in KernelSettings<T> settings)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => settings.Epsilon;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Prepared<TVector> Prepare<T, TVector>(TVector p, in KernelConstants<T, TVector> constants, in LogCoefficients<T, TVector> log, bool withLog = true)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T>
    {
        var v = TVector.ClampBelow(p * p, constants.Clamp);
        return withLog
            ? new Prepared<TVector> { LogVariance = FastMath.Log(v, log), Variance = v, InverseVariance = constants.One / v, Chain = p + p }
            : new Prepared<TVector> { Variance = v, InverseVariance = constants.One / v, Chain = p + p };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Gradient<T, TVector>(in Prepared<TVector> prepared, TVector r, TVector q, TVector halfScale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T> =>
        TVector.NegatedMultiplyAdd(r, r, prepared.InverseVariance) * (prepared.Chain * halfScale);
}

/// <summary>
/// s = ln σ²: <c>s_c = max(s, ln ε)</c>, <c>v = e^(s_c)</c>, <c>d/ds = ½(1 − d²·e^(−s_c))</c>. Since
/// <c>s_c ≥ ln ε</c>, <c>1/v ≤ 1/ε</c> stays finite however negative <c>s</c> is.
/// </summary>
internal readonly struct LogVarianceInput : IParametrization
{
    public static bool RejectsNegative => false;

    public static bool HasChain => false;

    public static bool TakesLog => false;

    public static T LowerClamp<T>(in KernelSettings<T> settings)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => settings.LogEpsilon;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Prepared<TVector> Prepare<T, TVector>(TVector p, in KernelConstants<T, TVector> constants, in LogCoefficients<T, TVector> log, bool withLog = true)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T>
    {
        var s = TVector.ClampBelow(p, constants.Clamp);
        return new Prepared<TVector> { LogVariance = s, InverseVariance = FastMath.Exp<T, TVector>(constants.Zero - s) };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Gradient<T, TVector>(in Prepared<TVector> prepared, TVector r, TVector q, TVector halfScale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T> =>
        TVector.NegatedMultiplyAdd(q, halfScale, halfScale);
}
