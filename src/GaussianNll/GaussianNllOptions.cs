using System;

namespace GaussianNll;

/// <summary>
/// The settings of a Gaussian negative log-likelihood loss: PyTorch's <c>reduction</c>, <c>full</c> and <c>eps</c>,
/// the shape of the variance, and the extensions GaussianNll adds (parametrization, β-NLL, parallelism).
/// </summary>
/// <remarks>
/// An immutable record: derive variations with <c>with</c>, e.g.
/// <c>GaussianNllOptions.Default with { Reduction = Reduction.Sum, Full = true }</c>.
/// Every property checks its value when it is set, so an options object is always valid.
/// </remarks>
public sealed record GaussianNllOptions
{
    /// <summary>The default epsilon, 1e-6, as in PyTorch.</summary>
    public const double DefaultEpsilon = 1e-6;

    /// <summary>2^-1022, the smallest normal double.</summary>
    private const double SmallestNormalDouble = 2.2250738585072014e-308;

    /// <summary>
    /// The defaults, equal to PyTorch's <c>GaussianNLLLoss()</c>: <see cref="Reduction.Mean"/>, <c>full=False</c>,
    /// <c>eps=1e-6</c>, elementwise variance given as σ², β = 0, one thread.
    /// </summary>
    public static GaussianNllOptions Default { get; } = new();

    /// <summary>How the per-element losses are reduced. Default: <see cref="Reduction.Mean"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="GaussianNll.Reduction"/>.</exception>
    public Reduction Reduction
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw ThrowHelper.UndefinedEnum(value, nameof(Reduction));
    } = Reduction.Mean;

    /// <summary>
    /// Whether to add the constant <c>½·ln(2π)</c> to every element's loss, which makes the loss the exact negative
    /// log-density of the normal distribution. Default: <see langword="false"/> (PyTorch's <c>full=False</c>).
    /// </summary>
    public bool Full { get; init; }

    /// <summary>
    /// The clamp ε: the variance used is <c>v = max(σ², ε)</c>. Range: finite and at least the smallest normal
    /// double, 2.2250738585072014e-308. Default: 1e-6.
    /// </summary>
    /// <remarks>
    /// As in PyTorch, the clamp is ignored by the gradient: the variance gradient is evaluated at the clamped
    /// <c>v</c>, also where σ² &lt; ε. For <see cref="float"/> spans, ε is rounded to <see cref="float"/> and must
    /// be at least the smallest normal float, 1.17549435e-38, so that <c>v</c> is a normal number and <c>1/v</c> is
    /// finite, and at most <see cref="float.MaxValue"/>.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is not finite or is below the smallest normal double.</exception>
    public double Epsilon
    {
        get;
        init
        {
            field = double.IsFinite(value) && value >= SmallestNormalDouble
                ? value
                : throw new ArgumentOutOfRangeException(nameof(Epsilon), value, "Epsilon must be finite and at least 2.2250738585072014e-308, the smallest normal double.");
            LogEpsilon = Math.Log(value);
        }
    } = DefaultEpsilon;

    /// <summary>ln ε, the clamp of the log-variance, computed once rather than on every call.</summary>
    internal double LogEpsilon { get; private init; } = Math.Log(DefaultEpsilon);

    /// <summary>How the variance span lines up with the input. Default: <see cref="VarianceLayout.Elementwise"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="GaussianNll.VarianceLayout"/>.</exception>
    public VarianceLayout VarianceLayout
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw ThrowHelper.UndefinedEnum(value, nameof(VarianceLayout));
    } = VarianceLayout.Elementwise;

    /// <summary>
    /// What the variance span holds: σ², ln σ² or σ. Default: <see cref="VarianceParametrization.Variance"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="VarianceParametrization"/>.</exception>
    public VarianceParametrization Parametrization
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw ThrowHelper.UndefinedEnum(value, nameof(Parametrization));
    } = VarianceParametrization.Variance;

    /// <summary>
    /// β of β-NLL (Seitzer et al., "On the Pitfalls of Heteroscedastic Uncertainty Estimation with Probabilistic
    /// Neural Networks", ICLR 2022). Range: 0 ≤ β ≤ 1. Default: 0, the plain loss.
    /// </summary>
    /// <remarks>
    /// Each element's loss, the <see cref="Full"/> constant included, is multiplied by <c>v^β</c>, where <c>v</c> is the
    /// clamped variance. The weight is held constant in the gradients (the paper's stop-gradient):
    /// <c>d/dμ = v^β·(μ − y)/v</c> and <c>d/dσ² = v^β·½(1/v − (μ − y)²/v²)</c>, and likewise for the other
    /// parametrizations. β = 0.5 is the paper's recommendation; β = 1 gives the mean the gradient of the squared error.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [0, 1] or is NaN.</exception>
    public double Beta
    {
        get;
        init => field = value is >= 0 and <= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Beta), value, "Beta must lie in [0, 1].");
    }

    /// <summary>
    /// The most threads one call may use. Range: ≥ 1, or −1 for <see cref="Environment.ProcessorCount"/>. Default: 1.
    /// </summary>
    /// <remarks>
    /// Inputs below a break-even size stay on the calling thread whatever this says. The work is cut into chunks of
    /// a fixed size whose partial sums are combined in a fixed order, so the result is bit-identical for every
    /// degree of parallelism.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is 0 or less than −1.</exception>
    public int MaxDegreeOfParallelism
    {
        get;
        init => field = value is >= 1 or -1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), value, "MaxDegreeOfParallelism must be at least 1, or -1 for all processors.");
    } = 1;
}
