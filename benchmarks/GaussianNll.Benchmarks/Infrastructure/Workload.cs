using System;
using System.Numerics;

namespace GaussianNll.Benchmarks;

/// <summary>
/// The inputs of one benchmark: input μ, target y and the variance span in the layout and parametrization of
/// <see cref="Options"/>, made by a seeded <see cref="Random"/> so every run and every process sees the same data.
/// </summary>
/// <remarks>
/// σ² is drawn from [0.05, 1.05) and y = μ − σ·z with z of unit variance, so the loss is that of a fitted model
/// (mean ≈ 0.3) and neither the gradients nor the sums are dominated by outliers. About one variance entry in a
/// thousand is drawn from [1e-9, 1.01e-7), below ε = 1e-6, so the clamp is exercised; its elements get a small
/// residual (|μ − y| ≤ 1.8e-3) so that they do not dominate the loss either.
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public sealed class Workload<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Seed = 20_240_613;

    private Workload(T[] input, T[] target, T[] variance, int columns, GaussianNllOptions options)
    {
        Input = input;
        Target = target;
        Variance = variance;
        Columns = columns;
        Options = options;
    }

    /// <summary>The predicted means μ.</summary>
    public T[] Input { get; }

    /// <summary>The targets y, same length as <see cref="Input"/>.</summary>
    public T[] Target { get; }

    /// <summary>σ², ln σ² or σ as <see cref="Options"/> says, one entry per element, row, column, or one in all.</summary>
    public T[] Variance { get; }

    /// <summary>The columns of the [rows, columns] view for a per-row or per-column layout; 0 otherwise.</summary>
    public int Columns { get; }

    /// <summary>The options the library is called with (mean reduction, default ε, the workload's layout and parametrization).</summary>
    public GaussianNllOptions Options { get; }

    /// <summary>The number of elements.</summary>
    public int Length => Input.Length;

    /// <summary>ε rounded to <typeparamref name="T"/>, as the library uses it.</summary>
    public T Epsilon => T.CreateTruncating(Options.Epsilon);

    /// <summary>The number of elements a workload of <paramref name="size"/> has: rounded down to whole rows of <paramref name="columns"/>.</summary>
    public static int ElementCount(int size, int columns) => columns > 1 ? size - (size % columns) : size;

    /// <summary>Makes a workload.</summary>
    /// <param name="size">The number of elements, rounded down to a multiple of <paramref name="columns"/> for a per-row or per-column layout.</param>
    /// <param name="layout">How the variance lines up with the input.</param>
    /// <param name="columns">The columns of a per-row or per-column layout.</param>
    /// <param name="parametrization">What the variance span holds.</param>
    public static Workload<T> Create(
        int size,
        VarianceLayout layout = VarianceLayout.Elementwise,
        int columns = 0,
        VarianceParametrization parametrization = VarianceParametrization.Variance)
    {
        bool matrix = layout is VarianceLayout.PerRow or VarianceLayout.PerColumn;
        if (matrix != columns > 0)
        {
            throw new ArgumentException("A per-row or per-column layout needs columns; the other layouts take none.", nameof(columns));
        }

        int length = ElementCount(size, columns);
        int varianceLength = layout switch
        {
            VarianceLayout.PerRow => length / columns,
            VarianceLayout.PerColumn => columns,
            VarianceLayout.Scalar => 1,
            _ => length,
        };

        var random = new Random(Seed);
        double[] sigmaSquared = new double[varianceLength];
        for (int j = 0; j < sigmaSquared.Length; j++)
        {
            sigmaSquared[j] = random.Next(1000) == 0 ? 1e-9 + (random.NextDouble() * 1e-7) : 0.05 + random.NextDouble();
        }

        var variance = new T[varianceLength];
        for (int j = 0; j < variance.Length; j++)
        {
            double s2 = sigmaSquared[j];
            variance[j] = T.CreateTruncating(parametrization switch
            {
                VarianceParametrization.LogVariance => Math.Log(s2),
                VarianceParametrization.StandardDeviation => Math.Sqrt(s2),
                _ => s2,
            });
        }

        var input = new T[length];
        var target = new T[length];
        for (int i = 0; i < length; i++)
        {
            double s2 = sigmaSquared[VarianceIndex(layout, columns, i)];
            double mu = (2 * random.NextDouble()) - 1;
            double z = ((2 * random.NextDouble()) - 1) * Math.Sqrt(3);
            double residual = s2 < GaussianNllOptions.DefaultEpsilon ? 1e-3 * z : Math.Sqrt(s2) * z;
            input[i] = T.CreateTruncating(mu);
            target[i] = T.CreateTruncating(mu - residual);
        }

        var options = GaussianNllOptions.Default with { VarianceLayout = layout, Parametrization = parametrization };
        return new Workload<T>(input, target, variance, columns, options);
    }

    /// <summary>The index of the variance entry that element <paramref name="i"/> uses.</summary>
    public int VarianceIndex(int i) => VarianceIndex(Options.VarianceLayout, Columns, i);

    private static int VarianceIndex(VarianceLayout layout, int columns, int i) => layout switch
    {
        VarianceLayout.PerRow => i / columns,
        VarianceLayout.PerColumn => i % columns,
        VarianceLayout.Scalar => 0,
        _ => i,
    };
}
