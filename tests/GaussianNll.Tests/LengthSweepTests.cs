using System;
using System.Collections.Generic;
using System.Globalization;
using Xunit;

namespace GaussianNll.Tests;

/// <summary>
/// Every length from 0 to 256 (every vector remainder and block tail for every width) and a few large ones (several
/// blocks and chunks), every layout with short and long rows, float and double, all five entry points, against the
/// double reference. Inputs sit at the end of larger buffers at odd offsets; outputs sit between sentinel guards.
/// </summary>
public class LengthSweepTests
{
    private static readonly double[] Betas = [0, 0.5, 1];

    public static TheoryData<string, VarianceLayout, VarianceParametrization> Combinations()
    {
        var data = new TheoryData<string, VarianceLayout, VarianceParametrization>();
        foreach (string type in new[] { "float", "double" })
        {
            foreach (var layout in Enum.GetValues<VarianceLayout>())
            {
                foreach (var parametrization in Enum.GetValues<VarianceParametrization>())
                {
                    data.Add(type, layout, parametrization);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void AllMethods_EveryLengthFrom0To256_MatchReference(string type, VarianceLayout layout, VarianceParametrization parametrization)
    {
        var shapes = new List<Shape>();
        for (int length = 0; length <= 256; length++)
        {
            foreach (var shape in Check.ShapesFor(length))
            {
                if (shape.Layout == layout)
                {
                    shapes.Add(shape);
                }
            }
        }

        Run(type, shapes, parametrization, seed: 1000 + ((int)layout * 10) + (int)parametrization);
    }

    /// <summary>Large shapes; the parametrization cycles with the shape (the small sweep covers every combination).</summary>
    [Theory]
    [MemberData(nameof(TheoryCases.TypesAndLayouts), MemberType = typeof(TheoryCases))]
    public void AllMethods_LargeLengths_MatchReference(string type, VarianceLayout layout)
    {
        var shapes = new List<Shape>();
        foreach (var shape in LargeShapes())
        {
            if (shape.Layout == layout)
            {
                shapes.Add(shape);
            }
        }

        Run(type, shapes, parametrization: null, seed: 2000 + ((int)layout * 10));
    }

    /// <summary>
    /// Large inputs: beyond one block (1024) and one chunk (16 Ki elements); prime lengths; per-row shapes with one
    /// column, long rows, and more rows than a chunk holds; per-column shapes with more than 512 columns (the pooled
    /// buffer) and more than 16 rows; rows a vector wide.
    /// </summary>
    internal static IEnumerable<Shape> LargeShapes()
    {
        foreach (int length in new[] { 1000, 4099, 65537, 100003 })
        {
            yield return Shape.Flat(VarianceLayout.Elementwise, length);
            yield return Shape.Flat(VarianceLayout.Scalar, length);
        }

        yield return new Shape(VarianceLayout.PerRow, 200, 5);
        yield return new Shape(VarianceLayout.PerRow, 4099, 1);
        yield return new Shape(VarianceLayout.PerRow, 1, 65537);
        yield return new Shape(VarianceLayout.PerRow, 3, 1031);
        yield return new Shape(VarianceLayout.PerRow, 1000, 17);
        yield return new Shape(VarianceLayout.PerRow, 5, 20001);

        yield return new Shape(VarianceLayout.PerColumn, 200, 5);
        yield return new Shape(VarianceLayout.PerColumn, 4099, 1);
        yield return new Shape(VarianceLayout.PerColumn, 1, 65537);
        yield return new Shape(VarianceLayout.PerColumn, 3, 1031);
        yield return new Shape(VarianceLayout.PerColumn, 7, 600);
        yield return new Shape(VarianceLayout.PerColumn, 1000, 17);
        yield return new Shape(VarianceLayout.PerColumn, 33, 3001);

        // Rows exactly one vector wide (the widest width, by type and machine: 16, 8, 4 or 2 columns), over more than
        // a chunk: per row, prepared entries one per vector; per column, the variance held per lane.
        foreach (var (rows, columns) in new[] { (1100, 16), (2100, 8), (4100, 4), (8200, 2) })
        {
            yield return new Shape(VarianceLayout.PerRow, rows, columns);
            yield return new Shape(VarianceLayout.PerColumn, rows, columns);
        }
    }

    private static void Run(string type, IReadOnlyList<Shape> shapes, VarianceParametrization? parametrization, int seed)
    {
        if (type == "float")
        {
            Run<float>(shapes, parametrization, seed);
        }
        else
        {
            Run<double>(shapes, parametrization, seed);
        }
    }

    private static void Run<T>(IReadOnlyList<Shape> shapes, VarianceParametrization? parametrization, int seed)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        var mismatches = new Mismatches();
        for (int index = 0; index < shapes.Count; index++)
        {
            var shape = shapes[index];

            // Cycle through the settings so that every layout meets every combination of reduction, β, full,
            // wanted gradients and ε along the sweep (6 = 2 reductions × 3 betas; the others change more slowly).
            var options = GaussianNllOptions.Default with
            {
                VarianceLayout = shape.Layout,
                Parametrization = parametrization ?? (VarianceParametrization)((index + (index / 3)) % 3),
                Reduction = index % 2 == 0 ? Reduction.Mean : Reduction.Sum,
                Beta = Betas[index % 3],
                Full = index / 6 % 2 == 1,
                Epsilon = index % 11 == 5 ? 1e-3 : GaussianNllOptions.DefaultEpsilon,
            };
            var wanted = (index / 12 % 4) switch
            {
                0 => Check.Wanted.Both,
                1 => Check.Wanted.Input,
                2 => Check.Wanted.Variance,
                _ => Check.Wanted.None,
            };

            var problem = Problem<T>.Create(random, shape, options, clampedFraction: 0.03);
            Check.AllMethods(problem, mismatches, wanted, outputGradient: Problem<T>.Uniform(random, -2, 2));
            if (mismatches.Count > 0)
            {
                mismatches.ThrowIfAny(string.Create(CultureInfo.InvariantCulture, $"{problem} (length {shape.Length}, wanted {wanted})"));
            }
        }
    }
}
