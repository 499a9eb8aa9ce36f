namespace GaussianNll;

/// <summary>How the per-element losses are combined into one number.</summary>
/// <remarks>
/// PyTorch's <c>reduction='none'</c> has no member here: call
/// <see cref="GaussianNllLoss.ForwardElementwise(System.ReadOnlySpan{float}, System.ReadOnlySpan{float}, System.ReadOnlySpan{float}, System.Span{float}, GaussianNllOptions?)"/>
/// and <see cref="GaussianNllLoss.BackwardElementwise(System.ReadOnlySpan{float}, System.ReadOnlySpan{float}, System.ReadOnlySpan{float}, System.ReadOnlySpan{float}, System.Span{float}, System.Span{float}, GaussianNllOptions?)"/>
/// instead.
/// </remarks>
public enum Reduction
{
    /// <summary>The sum of the per-element losses divided by the number of elements (PyTorch's <c>'mean'</c>, the default).</summary>
    Mean = 0,

    /// <summary>The sum of the per-element losses (PyTorch's <c>'sum'</c>).</summary>
    Sum = 1,
}
