using System;

namespace HeteroscedasticRegression;

/// <summary>
/// The known process behind the synthetic data: <c>y = f(x) + ε</c> with <c>f(x) = x·sin(x)</c> and
/// <c>ε ~ N(0, σ(x)²)</c>, where <c>σ(x)² = 0.1² + (0.3·x)²</c>, and <c>x</c> uniform in [−4, 4].
/// </summary>
/// <remarks>
/// σ grows from 0.1 at x = 0 to about 1.2 at the ends, twelvefold. It is a smoothed <c>0.1 + 0.3·|x|</c>: the
/// same asymptotes without the kink at 0, so that a small tanh network can represent it everywhere.
/// </remarks>
public static class GroundTruth
{
    /// <summary>The lower end of the input range.</summary>
    public const double XMin = -4;

    /// <summary>The upper end of the input range.</summary>
    public const double XMax = 4;

    /// <summary>The true mean <c>f(x) = x·sin(x)</c>.</summary>
    public static double Mean(double x) => x * Math.Sin(x);

    /// <summary>The true noise variance <c>σ(x)² = 0.01 + 0.09·x²</c>.</summary>
    public static double Variance(double x) => 0.01 + (0.09 * x * x);

    /// <summary>The true noise standard deviation σ(x).</summary>
    public static double Sigma(double x) => Math.Sqrt(Variance(x));

    /// <summary>The true log-variance <c>ln σ(x)²</c>, what the network's second head should learn.</summary>
    public static double LogVariance(double x) => Math.Log(Variance(x));
}
