using System;
using System.Numerics;

namespace GaussianNll;

/// <summary>
/// The Gaussian negative log-likelihood loss and its gradients over spans, with the semantics of PyTorch's
/// <c>torch.nn.functional.gaussian_nll_loss</c>.
/// </summary>
/// <remarks>
/// <para>
/// For a prediction μ (<c>input</c>), a target y and a variance σ², with <c>v = max(σ², ε)</c> and
/// <c>d = μ − y</c>, each element's loss is <c>½(ln v + d²/v)</c>, plus <c>½·ln(2π)</c> when
/// <see cref="GaussianNllOptions.Full"/> is set. <see cref="Reduction.Mean"/> divides the sum by
/// <c>input.Length</c>; an empty input gives NaN for the mean and 0 for the sum.
/// </para>
/// <para>
/// Gradients: <c>d/dμ = d/v</c> and <c>d/dσ² = ½(1/v − d²/v²)</c>, evaluated at the clamped <c>v</c> also where
/// σ² &lt; ε (PyTorch's autograd ignores the clamp). The gradient with respect to the target is the negative of the
/// input gradient. A variance entry shared by several elements (see <see cref="VarianceLayout"/>) gets the sum of
/// their gradients. Gradients are written, not accumulated. An empty gradient span means "not wanted" and skips
/// that work, as for PyTorch's float <c>var</c>, which has no gradient.
/// </para>
/// <para>
/// NaN in any input propagates to the results it touches, as in PyTorch. Inputs are never modified. Every method
/// is thread-safe. On the calling thread (<see cref="GaussianNllOptions.MaxDegreeOfParallelism"/> 1, or inputs below
/// 262,144 elements) nothing is allocated (a per-column layout with more than 512 columns rents a buffer from
/// <see cref="System.Buffers.ArrayPool{T}.Shared"/>); a call that uses worker threads allocates a few small objects
/// for them. Sums are accumulated in blocks and then in double, in an order
/// fixed by the length and the layout, so on a given machine the same input gives the same bits, whatever the
/// alignment of the buffers and the degree of parallelism (machines with other vector widths, or without FMA, round
/// differently in the last bits).
/// </para>
/// <para>
/// A negative variance (or standard deviation) entry raises an <see cref="ArgumentException"/> on
/// <c>variance</c> that names the first such index, like PyTorch's "var has negative entry/entries". It is found
/// in the same pass that computes the results; when it is thrown, every output span has been cleared to zero.
/// </para>
/// </remarks>
public static class GaussianNllLoss
{
    /// <summary>Computes the reduced Gaussian negative log-likelihood loss (PyTorch's <c>reduction='mean'</c> or <c>'sum'</c>).</summary>
    /// <param name="input">The predicted means μ. Any real numbers.</param>
    /// <param name="target">The observed targets y. Same length as <paramref name="input"/>.</param>
    /// <param name="variance">
    /// The variance of each prediction, laid out as <see cref="GaussianNllOptions.VarianceLayout"/> says and holding
    /// what <see cref="GaussianNllOptions.Parametrization"/> says (by default σ², range σ² ≥ 0).
    /// </param>
    /// <param name="options">The settings; <see langword="null"/> for <see cref="GaussianNllOptions.Default"/>.</param>
    /// <returns>The mean or the sum of the per-element losses, as <see cref="GaussianNllOptions.Reduction"/> says.</returns>
    /// <remarks>PyTorch: <c>F.gaussian_nll_loss(input, target, var, full, eps, reduction)</c>.</remarks>
    /// <exception cref="ArgumentException">
    /// <paramref name="target"/> or <paramref name="variance"/> has a length that does not fit <paramref name="input"/>,
    /// or <paramref name="variance"/> has a negative entry.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> has an epsilon outside the range of normal <see cref="float"/> numbers and the data is float.</exception>
    public static float Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> target, ReadOnlySpan<float> variance, GaussianNllOptions? options = null) =>
        Forward<float>(input, target, variance, options);

    /// <inheritdoc cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, GaussianNllOptions?)"/>
    public static double Forward(ReadOnlySpan<double> input, ReadOnlySpan<double> target, ReadOnlySpan<double> variance, GaussianNllOptions? options = null) =>
        Forward<double>(input, target, variance, options);

    /// <summary>Computes the loss of every element (PyTorch's <c>reduction='none'</c>).</summary>
    /// <param name="input">The predicted means μ. Any real numbers.</param>
    /// <param name="target">The observed targets y. Same length as <paramref name="input"/>.</param>
    /// <param name="variance">
    /// The variance of each prediction, laid out as <see cref="GaussianNllOptions.VarianceLayout"/> says and holding
    /// what <see cref="GaussianNllOptions.Parametrization"/> says (by default σ², range σ² ≥ 0).
    /// </param>
    /// <param name="destination">Receives each element's loss. Same length as <paramref name="input"/>.</param>
    /// <param name="options">The settings; <see langword="null"/> for <see cref="GaussianNllOptions.Default"/>. Its <see cref="GaussianNllOptions.Reduction"/> is not used.</param>
    /// <remarks>PyTorch: <c>F.gaussian_nll_loss(input, target, var, full, eps, reduction='none')</c>.</remarks>
    /// <exception cref="ArgumentException">
    /// A span has a length that does not fit <paramref name="input"/>, <paramref name="destination"/> overlaps an
    /// input, or <paramref name="variance"/> has a negative entry.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> has an epsilon outside the range of normal <see cref="float"/> numbers and the data is float.</exception>
    public static void ForwardElementwise(ReadOnlySpan<float> input, ReadOnlySpan<float> target, ReadOnlySpan<float> variance, Span<float> destination, GaussianNllOptions? options = null) =>
        ForwardElementwise<float>(input, target, variance, destination, options);

    /// <inheritdoc cref="ForwardElementwise(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, GaussianNllOptions?)"/>
    public static void ForwardElementwise(ReadOnlySpan<double> input, ReadOnlySpan<double> target, ReadOnlySpan<double> variance, Span<double> destination, GaussianNllOptions? options = null) =>
        ForwardElementwise<double>(input, target, variance, destination, options);

    /// <summary>Computes the gradients of the reduced loss, multiplied by <paramref name="outputGradient"/>.</summary>
    /// <param name="input">The predicted means μ. Any real numbers.</param>
    /// <param name="target">The observed targets y. Same length as <paramref name="input"/>.</param>
    /// <param name="variance">
    /// The variance of each prediction, laid out as <see cref="GaussianNllOptions.VarianceLayout"/> says and holding
    /// what <see cref="GaussianNllOptions.Parametrization"/> says (by default σ², range σ² ≥ 0).
    /// </param>
    /// <param name="inputGradient">
    /// Receives d(loss)/d(input), same length as <paramref name="input"/>; or empty when not wanted. The gradient with
    /// respect to the target is its negative.
    /// </param>
    /// <param name="varianceGradient">
    /// Receives d(loss)/d(variance entry), summed over the elements each entry covers, same length as
    /// <paramref name="variance"/>; or empty when not wanted (a fixed variance).
    /// </param>
    /// <param name="options">The settings; <see langword="null"/> for <see cref="GaussianNllOptions.Default"/>.</param>
    /// <param name="outputGradient">The upstream gradient of the reduced loss (1 for the plain gradient).</param>
    /// <remarks>PyTorch: <c>loss.backward(outputGradient)</c> after <c>F.gaussian_nll_loss</c> with <c>'mean'</c> or <c>'sum'</c>.</remarks>
    /// <exception cref="ArgumentException">
    /// A span has a length that does not fit, an output overlaps an input or another output, or
    /// <paramref name="variance"/> has a negative entry.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> has an epsilon outside the range of normal <see cref="float"/> numbers and the data is float.</exception>
    public static void Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> target, ReadOnlySpan<float> variance, Span<float> inputGradient, Span<float> varianceGradient, GaussianNllOptions? options = null, float outputGradient = 1f) =>
        Backward<float>(input, target, variance, inputGradient, varianceGradient, options, outputGradient);

    /// <inheritdoc cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, GaussianNllOptions?, float)"/>
    public static void Backward(ReadOnlySpan<double> input, ReadOnlySpan<double> target, ReadOnlySpan<double> variance, Span<double> inputGradient, Span<double> varianceGradient, GaussianNllOptions? options = null, double outputGradient = 1d) =>
        Backward<double>(input, target, variance, inputGradient, varianceGradient, options, outputGradient);

    /// <summary>
    /// Computes the gradients of <c>Σ outputGradient[i]·loss[i]</c>: the backward pass of PyTorch's
    /// <c>reduction='none'</c>.
    /// </summary>
    /// <param name="input">The predicted means μ. Any real numbers.</param>
    /// <param name="target">The observed targets y. Same length as <paramref name="input"/>.</param>
    /// <param name="variance">
    /// The variance of each prediction, laid out as <see cref="GaussianNllOptions.VarianceLayout"/> says and holding
    /// what <see cref="GaussianNllOptions.Parametrization"/> says (by default σ², range σ² ≥ 0).
    /// </param>
    /// <param name="outputGradient">The upstream gradient of each element's loss. Same length as <paramref name="input"/>.</param>
    /// <param name="inputGradient">
    /// Receives the gradient with respect to each input, same length as <paramref name="input"/>; or empty when not
    /// wanted. The gradient with respect to the target is its negative.
    /// </param>
    /// <param name="varianceGradient">
    /// Receives the gradient with respect to each variance entry, summed over the elements it covers, same length as
    /// <paramref name="variance"/>; or empty when not wanted.
    /// </param>
    /// <param name="options">The settings; <see langword="null"/> for <see cref="GaussianNllOptions.Default"/>. Its <see cref="GaussianNllOptions.Reduction"/> is not used.</param>
    /// <remarks>PyTorch: <c>loss.backward(outputGradient)</c> after <c>F.gaussian_nll_loss(..., reduction='none')</c>.</remarks>
    /// <exception cref="ArgumentException">
    /// A span has a length that does not fit, an output overlaps an input or another output, or
    /// <paramref name="variance"/> has a negative entry.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> has an epsilon outside the range of normal <see cref="float"/> numbers and the data is float.</exception>
    public static void BackwardElementwise(ReadOnlySpan<float> input, ReadOnlySpan<float> target, ReadOnlySpan<float> variance, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, Span<float> varianceGradient, GaussianNllOptions? options = null) =>
        BackwardElementwise<float>(input, target, variance, outputGradient, inputGradient, varianceGradient, options);

    /// <inheritdoc cref="BackwardElementwise(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, GaussianNllOptions?)"/>
    public static void BackwardElementwise(ReadOnlySpan<double> input, ReadOnlySpan<double> target, ReadOnlySpan<double> variance, ReadOnlySpan<double> outputGradient, Span<double> inputGradient, Span<double> varianceGradient, GaussianNllOptions? options = null) =>
        BackwardElementwise<double>(input, target, variance, outputGradient, inputGradient, varianceGradient, options);

    /// <summary>
    /// Computes the reduced loss and its gradients in one pass over memory: what a training step needs.
    /// </summary>
    /// <param name="input">The predicted means μ. Any real numbers.</param>
    /// <param name="target">The observed targets y. Same length as <paramref name="input"/>.</param>
    /// <param name="variance">
    /// The variance of each prediction, laid out as <see cref="GaussianNllOptions.VarianceLayout"/> says and holding
    /// what <see cref="GaussianNllOptions.Parametrization"/> says (by default σ², range σ² ≥ 0).
    /// </param>
    /// <param name="inputGradient">
    /// Receives d(loss)/d(input), same length as <paramref name="input"/>; or empty when not wanted. The gradient with
    /// respect to the target is its negative.
    /// </param>
    /// <param name="varianceGradient">
    /// Receives d(loss)/d(variance entry), summed over the elements each entry covers, same length as
    /// <paramref name="variance"/>; or empty when not wanted.
    /// </param>
    /// <param name="options">The settings; <see langword="null"/> for <see cref="GaussianNllOptions.Default"/>.</param>
    /// <returns>The reduced loss, equal to what <c>Forward</c> returns for the same arguments.</returns>
    /// <remarks>PyTorch: <c>loss = F.gaussian_nll_loss(...); loss.backward()</c>.</remarks>
    /// <exception cref="ArgumentException">
    /// A span has a length that does not fit, an output overlaps an input or another output, or
    /// <paramref name="variance"/> has a negative entry.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> has an epsilon outside the range of normal <see cref="float"/> numbers and the data is float.</exception>
    public static float ForwardBackward(ReadOnlySpan<float> input, ReadOnlySpan<float> target, ReadOnlySpan<float> variance, Span<float> inputGradient, Span<float> varianceGradient, GaussianNllOptions? options = null) =>
        ForwardBackward<float>(input, target, variance, inputGradient, varianceGradient, options);

    /// <inheritdoc cref="ForwardBackward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, GaussianNllOptions?)"/>
    public static double ForwardBackward(ReadOnlySpan<double> input, ReadOnlySpan<double> target, ReadOnlySpan<double> variance, Span<double> inputGradient, Span<double> varianceGradient, GaussianNllOptions? options = null) =>
        ForwardBackward<double>(input, target, variance, inputGradient, varianceGradient, options);

    private static T Forward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> variance, GaussianNllOptions? options)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        options ??= GaussianNllOptions.Default;
        GaussianNllCore.Validate(input, target, variance, options);
        double sum = GaussianNllCore.Execute(input, target, variance, default, default, default, default, options, reduceLoss: true, scale: 0);
        return T.CreateTruncating(Reduce(sum, input.Length, options.Reduction));
    }

    private static void ForwardElementwise<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> variance, Span<T> destination, GaussianNllOptions? options)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        options ??= GaussianNllOptions.Default;
        GaussianNllCore.Validate(input, target, variance, options, destination: destination, hasDestination: true);
        GaussianNllCore.Execute(input, target, variance, default, destination, default, default, options, reduceLoss: false, scale: 0);
    }

    private static void Backward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> variance, Span<T> inputGradient, Span<T> varianceGradient, GaussianNllOptions? options, T outputGradient)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        options ??= GaussianNllOptions.Default;
        GaussianNllCore.Validate(input, target, variance, options, inputGradient: inputGradient, varianceGradient: varianceGradient);
        double scale = Reduce(double.CreateTruncating(outputGradient), input.Length, options.Reduction);
        GaussianNllCore.Execute(input, target, variance, default, default, inputGradient, varianceGradient, options, reduceLoss: false, scale);
    }

    private static void BackwardElementwise<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> variance, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, Span<T> varianceGradient, GaussianNllOptions? options)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        options ??= GaussianNllOptions.Default;
        GaussianNllCore.Validate(input, target, variance, options, outputGradient, hasOutputGradient: true, inputGradient: inputGradient, varianceGradient: varianceGradient);
        GaussianNllCore.Execute(input, target, variance, outputGradient, default, inputGradient, varianceGradient, options, reduceLoss: false, scale: 0);
    }

    private static T ForwardBackward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> variance, Span<T> inputGradient, Span<T> varianceGradient, GaussianNllOptions? options)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        options ??= GaussianNllOptions.Default;
        GaussianNllCore.Validate(input, target, variance, options, inputGradient: inputGradient, varianceGradient: varianceGradient);
        double scale = Reduce(1.0, input.Length, options.Reduction);
        double sum = GaussianNllCore.Execute(input, target, variance, default, default, inputGradient, varianceGradient, options, reduceLoss: true, scale);
        return T.CreateTruncating(Reduce(sum, input.Length, options.Reduction));
    }

    /// <summary>The mean (<paramref name="value"/> / count; NaN for no elements) or the sum itself.</summary>
    private static double Reduce(double value, int count, Reduction reduction) =>
        reduction == Reduction.Mean ? value / count : value;
}
