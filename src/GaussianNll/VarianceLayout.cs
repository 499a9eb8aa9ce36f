namespace GaussianNll;

/// <summary>
/// How the <c>variance</c> span lines up with <c>input</c> and <c>target</c>, which are viewed as a row-major
/// <c>[rows, columns]</c> matrix where the layout needs one.
/// </summary>
/// <remarks>
/// Every layout is a case of PyTorch's broadcasting of <c>var</c> against <c>input</c>. The gradient with respect to
/// a variance entry is the sum of the gradients of the elements that entry covers, as autograd's broadcast rule gives.
/// </remarks>
public enum VarianceLayout
{
    /// <summary>One variance per element: <c>variance.Length == input.Length</c> (PyTorch: <c>var.shape == input.shape</c>).</summary>
    Elementwise = 0,

    /// <summary>
    /// One variance per row, shared by the row's columns: <c>columns = input.Length / variance.Length</c>
    /// (PyTorch: <c>var</c> of shape <c>input.shape[:-1]</c> or <c>[..., 1]</c>).
    /// </summary>
    PerRow = 1,

    /// <summary>
    /// One variance per column, shared by every row: <c>columns = variance.Length</c>
    /// (PyTorch: <c>var</c> of shape <c>[1, D]</c> against <c>input</c> of shape <c>[N, D]</c>).
    /// </summary>
    PerColumn = 2,

    /// <summary>One variance for every element: <c>variance.Length == 1</c> (PyTorch: a one-element <c>var</c>).</summary>
    Scalar = 3,
}
