namespace GaussianNll;

/// <summary>What the numbers in the <c>variance</c> span are.</summary>
/// <remarks>
/// The gradient span for the variance always holds the derivative with respect to the numbers the caller passed:
/// d/dσ², d/ds or d/dσ.
/// </remarks>
public enum VarianceParametrization
{
    /// <summary>
    /// The variance σ² itself (PyTorch's <c>var</c>). Range: σ² ≥ 0. It is clamped to <c>v = max(σ², eps)</c>.
    /// </summary>
    Variance = 0,

    /// <summary>
    /// The log-variance <c>s = ln σ²</c>, a network's usual unconstrained output. Range: any real number.
    /// It is clamped to <c>s_c = max(s, ln eps)</c>, so <c>v = e^(s_c)</c>; the loss needs one exponential and
    /// no logarithm or division, and stays finite for large negative <c>s</c>. The clamp is ignored by the gradient
    /// in the s domain: <c>d/ds = ½(1 − d²·e^(−s_c))</c>, also where <c>s &lt; ln eps</c>.
    /// PyTorch: the loss equals <c>F.gaussian_nll_loss(mu, y, s.exp(), eps=eps)</c>; so does the gradient where
    /// <c>s ≥ ln eps</c> (below it, autograd through <c>exp</c> would scale the gradient by <c>e^s</c>, which all but
    /// stops a collapsed variance from learning).
    /// </summary>
    LogVariance = 1,

    /// <summary>
    /// The standard deviation σ (the convention of MathNet.Numerics and TensorFlow Probability). Range: σ ≥ 0.
    /// The variance is <c>v = max(σ², eps)</c>. PyTorch: <c>F.gaussian_nll_loss(mu, y, sigma ** 2, eps=eps)</c>.
    /// </summary>
    StandardDeviation = 2,
}
