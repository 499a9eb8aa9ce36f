using System;
using System.Numerics;
using FluentAssertions;
using Xunit;

namespace GaussianNll.Tests;

/// <summary>
/// The accuracy contract: float sums are accumulated in blocks and then in double, so the float mean of 2^26 equal
/// terms is the term itself (a single float accumulator stalls at 2^24 and would give half of it); and the order
/// of accumulation is fixed, so the same data gives the same bits wherever it sits in memory and however often it
/// is evaluated.
/// </summary>
public class AccuracyTests
{
    internal const int Huge = 1 << 26;

    /// <summary>
    /// 2^26 + 1 floats alternating 0, 1: input = [0, n), target = [1, n + 1), so every residual is ±1 and, with
    /// σ² = 1, every term is ½(ln 1 + 1) = ½ exactly. Shared by the two 2^26 tests (256 MiB).
    /// </summary>
    internal static readonly Lazy<float[]> Alternating = new(() =>
    {
        var buffer = GC.AllocateUninitializedArray<float>(Huge + 1);
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] = i & 1;
        }

        return buffer;
    });

    [Fact]
    public void Forward_FloatMeanOf2Pow26EqualTerms_IsTheTermExactly()
    {
        var buffer = Alternating.Value;
        var options = GaussianNllOptions.Default with { VarianceLayout = VarianceLayout.Scalar };
        float term = GaussianNllLoss.Forward([0f], [1f], [1f], options);
        Assert.Equal(0.5f, term);

        float mean = GaussianNllLoss.Forward(buffer.AsSpan(0, Huge), buffer.AsSpan(1, Huge), [1f], options);
        Assert.Equal(term, mean);
    }

    /// <summary>
    /// A term that is not a short binary fraction (½ln 3 with zero residual): every partial float sum rounds. Blocks
    /// of at most 1024 elements keep the error within the documented block bound; per-lane float sums over the whole
    /// input (2^18 elements a lane at 512 bits) would lose about 0.2%. Per-row with a single row hands the whole input
    /// to the kernel as one run, so only the kernel's own blocks can keep it accurate.
    /// </summary>
    [Theory]
    [InlineData(VarianceLayout.Scalar)]
    [InlineData(VarianceLayout.PerRow)]
    [InlineData(VarianceLayout.Elementwise)]
    public void Forward_FloatMeanOfManyEqualInexactTerms_WithinBlockBound(VarianceLayout layout)
    {
        const int N = 1 << 22;
        var input = new float[N];
        var variance = new float[layout == VarianceLayout.Elementwise ? N : 1];
        variance.AsSpan().Fill(3f);
        var options = GaussianNllOptions.Default with { VarianceLayout = layout };
        float term = GaussianNllLoss.Forward([0f], [0f], [3f], options);
        float mean = GaussianNllLoss.Forward(input, input, variance, options);
        double tolerance = Tolerance.Sum(Api<float>.UnitRoundoff, N, term);
        Assert.True(Math.Abs(mean - (double)term) <= tolerance, $"mean {mean:R}, term {term:R}, tolerance {tolerance:G3}");
    }

    /// <summary>
    /// Variances near 1 (ln v near 0) with zero residuals: a summed loss that multiplied the variances' significands
    /// without keeping each rounding error would be off by about an ulp of 1 per element, thousands of times the
    /// bound a sum of these small terms allows (in double); and significands taken in [1, 2) would make ln v of a
    /// variance just below 1 the difference of two large numbers. Variances of 1.4 and 1.45 make every lane's product
    /// grow past 2^30 before it is split again, so the split must carry the product's error along. Elementwise (4,099
    /// elements: several splits per lane, several blocks, a tail), per column with 257 columns (each row its own run),
    /// and per row with 16 columns (tiles that take Σ ln v per row); σ² and σ.
    /// </summary>
    [Theory]
    [MemberData(nameof(VariancesNearOne))]
    public void ForwardAndForwardBackward_VariancesNearOne_SumWithinBound(string type, VarianceLayout layout, VarianceParametrization parametrization, double first, double second)
    {
        if (type == "float")
        {
            SumOfVariancesNearOne<float>(layout, parametrization, first, second);
        }
        else
        {
            SumOfVariancesNearOne<double>(layout, parametrization, first, second);
        }
    }

    public static TheoryData<string, VarianceLayout, VarianceParametrization, double, double> VariancesNearOne()
    {
        var data = new TheoryData<string, VarianceLayout, VarianceParametrization, double, double>();
        foreach (string type in new[] { "float", "double" })
        {
            foreach (var layout in new[] { VarianceLayout.Elementwise, VarianceLayout.PerColumn, VarianceLayout.PerRow })
            {
                foreach (var parametrization in new[] { VarianceParametrization.Variance, VarianceParametrization.StandardDeviation })
                {
                    data.Add(type, layout, parametrization, 1 + Math.Pow(2, -12), 1 + Math.Pow(2, -12));
                    data.Add(type, layout, parametrization, 1 - Math.Pow(2, -12), 1 - Math.Pow(2, -12));
                    data.Add(type, layout, parametrization, 1 + Math.Pow(2, -12), 1 - Math.Pow(2, -11));
                    data.Add(type, layout, parametrization, 1 + (3 * Math.Pow(2, -23)), 1 - (5 * Math.Pow(2, -24)));
                }
            }

            data.Add(type, VarianceLayout.Elementwise, VarianceParametrization.Variance, 1.4, 1.45);
        }

        return data;
    }

    private static void SumOfVariancesNearOne<T>(VarianceLayout layout, VarianceParametrization parametrization, double first, double second)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        (int rows, int columns) = layout switch
        {
            VarianceLayout.PerColumn => (17, 257),
            VarianceLayout.PerRow => (257, 16),
            _ => (1, 4099),
        };
        int length = rows * columns;
        int entries = layout == VarianceLayout.PerRow ? rows : columns;
        var zeros = new T[length];
        var values = new T[entries];
        bool deviation = parametrization == VarianceParametrization.StandardDeviation;
        for (int j = 0; j < entries; j++)
        {
            double v = j % 2 == 0 ? first : second;
            values[j] = T.CreateTruncating(deviation ? Math.Sqrt(v) : v);
        }

        // Σ½ln v over the elements, v as the library forms it (σ·σ rounded to T), each logarithm within an ulp of the
        // exact one and the two values' counts multiplied in: far inside the bound.
        T a = deviation ? values[0] * values[0] : values[0];
        T b = deviation ? values[1] * values[1] : values[1];
        int countA = ((entries + 1) / 2) * (length / entries), countB = (entries / 2) * (length / entries);
        double logA = Math.Log(double.CreateTruncating(a)), logB = Math.Log(double.CreateTruncating(b));
        double expected = 0.5 * ((countA * logA) + (countB * logB));
        double magnitude = 0.5 * ((countA * Math.Abs(logA)) + (countB * Math.Abs(logB)));
        double tolerance = Tolerance.Sum(Api<T>.UnitRoundoff, length, magnitude);

        var options = GaussianNllOptions.Default with { Reduction = Reduction.Sum, VarianceLayout = layout, Parametrization = parametrization };
        double sum = double.CreateTruncating(Api<T>.Forward(zeros, zeros, values, options));
        double both = double.CreateTruncating(Api<T>.ForwardBackward(zeros, zeros, values, new T[length], new T[entries], options));
        Assert.True(Math.Abs(sum - expected) <= tolerance, $"{typeof(T).Name} {layout} {parametrization} v = {a}, {b}: sum {sum:R}, expected {expected:R} ± {tolerance:G3} (off by {Math.Abs(sum - expected) / (Api<T>.UnitRoundoff * magnitude):F0} u·Σ|terms|)");
        Assert.Equal(sum, both);
    }

    /// <summary>
    /// The mean is the sum divided by N and rounded once to float, as PyTorch's float mean is: for three elements
    /// (summed in one float lane on every path, so the sum is a float), Mean = fl(Sum / 3).
    /// </summary>
    [Fact]
    public void Forward_FloatMeanOfThree_IsCorrectlyRoundedQuotientOfSum()
    {
        var random = new Random(3);
        var mean = GaussianNllOptions.Default;
        var sum = mean with { Reduction = Reduction.Sum };
        int failures = 0;
        string first = string.Empty;
        for (int trial = 0; trial < 500; trial++)
        {
            float[] input = [(float)random.NextDouble(), (float)random.NextDouble(), (float)random.NextDouble()];
            float[] target = [(float)random.NextDouble(), (float)random.NextDouble(), (float)random.NextDouble()];
            float[] variance = [(float)(0.1 + random.NextDouble()), (float)(0.1 + random.NextDouble()), (float)(0.1 + random.NextDouble())];
            float total = GaussianNllLoss.Forward(input, target, variance, sum);
            float expected = (float)((double)total / 3);
            float actual = GaussianNllLoss.Forward(input, target, variance, mean);
            if (BitConverter.SingleToInt32Bits(actual) != BitConverter.SingleToInt32Bits(expected))
            {
                failures++;
                first = first.Length > 0 ? first : $"trial {trial}: sum {total:R}, mean {actual:R}, expected {expected:R}";
            }
        }

        Assert.True(failures == 0, $"{failures} of 500 means are not fl(sum / 3); first: {first}");
    }

    public static TheoryData<string, VarianceLayout, VarianceParametrization> Layouts()
    {
        var data = new TheoryData<string, VarianceLayout, VarianceParametrization>();
        foreach (string type in new[] { "float", "double" })
        {
            foreach (var layout in Enum.GetValues<VarianceLayout>())
            {
                data.Add(type, layout, (VarianceParametrization)((int)layout % 3));
            }
        }

        return data;
    }

    /// <summary>
    /// The same values copied at every element offset modulo 64 bytes (so every vector alignment), called twice
    /// each: the loss, every element's loss and both gradients are the same bits every time.
    /// </summary>
    [Theory]
    [MemberData(nameof(Layouts))]
    public void AllMethods_SameDataAtEveryAlignment_SameBits(string type, VarianceLayout layout, VarianceParametrization parametrization)
    {
        if (type == "float")
        {
            SameBits<float>(layout, parametrization);
        }
        else
        {
            SameBits<double>(layout, parametrization);
        }
    }

    private static void SameBits<T>(VarianceLayout layout, VarianceParametrization parametrization)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var shape = layout switch
        {
            VarianceLayout.PerRow => new Shape(layout, 37, 111),
            VarianceLayout.PerColumn => new Shape(layout, 37, 111),
            _ => Shape.Flat(layout, 4099),
        };
        // With β (every loss weighted) and without (the summed loss halved per block; short rows on prepared ln v).
        foreach (double beta in new[] { 0.5, 0.0 })
        {
            var options = GaussianNllOptions.Default with { VarianceLayout = layout, Parametrization = parametrization, Beta = beta, Full = true };
            SameBits<T>(shape, options);
        }
    }

    private static void SameBits<T>(Shape shape, GaussianNllOptions options)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var problem = Problem<T>.Create(new Random(77), shape, options, clampedFraction: 0.02);
        var reference = Outputs<T>.Of(problem.Input, problem.Target, problem.Variance, problem.OutputGradient, options);

        var mismatches = new Mismatches();
        int elementsPer64Bytes = 64 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        for (int offset = 0; offset < elementsPer64Bytes; offset++)
        {
            var input = Shifted(problem.Input, offset);
            var target = Shifted(problem.Target, (offset * 3) % elementsPer64Bytes);
            var variance = Shifted(problem.Variance, (offset * 5) % elementsPer64Bytes);
            var upstream = Shifted(problem.OutputGradient, (offset * 7) % elementsPer64Bytes);
            for (int repeat = 0; repeat < 2; repeat++)
            {
                var outputs = Outputs<T>.Of(input.Span, target.Span, variance.Span, upstream.Span, options);
                outputs.CompareBits(mismatches, reference, $"offset {offset} call {repeat}");
            }
        }

        mismatches.ThrowIfAny($"{problem} β={options.Beta}");
    }

    /// <summary>
    /// Terms ln v + d²/v that overflow float while the losses, their halves, do not (d = 1.4e19, v = 1: each term
    /// 1.96e38, three of them 5.9e38; the losses sum to 2.94e38): the summed loss stays finite, as PyTorch's does, and
    /// Forward and ForwardBackward agree to the bit. The three sit at elements 0, 16 and 32 of 48, in the same lane of
    /// every vector width, for every layout's path: the elementwise loop, the shared variance, and 3 rows of 16 (per
    /// row the short rows' prepared loop; per column the variance per lane with AVX-512, else the prepared loop).
    /// </summary>
    [Theory]
    [InlineData(Reduction.Sum, VarianceLayout.Elementwise)]
    [InlineData(Reduction.Mean, VarianceLayout.Elementwise)]
    [InlineData(Reduction.Sum, VarianceLayout.Scalar)]
    [InlineData(Reduction.Sum, VarianceLayout.PerRow)]
    [InlineData(Reduction.Mean, VarianceLayout.PerColumn)]
    public void Forward_FloatTermsOverflowWhereLossesDoNot_StaysFinite(Reduction reduction, VarianceLayout layout)
    {
        const int Length = 48;
        var input = new float[Length];
        input[0] = input[16] = input[32] = 1.4e19f;
        var target = new float[Length];
        var variance = new float[layout switch { VarianceLayout.Scalar => 1, VarianceLayout.PerRow => 3, VarianceLayout.PerColumn => 16, _ => Length }];
        variance.AsSpan().Fill(1f);
        var options = GaussianNllOptions.Default with { Reduction = reduction, VarianceLayout = layout };
        var losses = new float[Length];
        GaussianNllLoss.ForwardElementwise(input, target, variance, losses, options);
        double sum = 0;
        foreach (float loss in losses)
        {
            sum += loss;
        }

        double expected = reduction == Reduction.Sum ? sum : sum / Length;

        float forward = GaussianNllLoss.Forward(input, target, variance, options);
        float forwardBackward = GaussianNllLoss.ForwardBackward(input, target, variance, new float[Length], new float[variance.Length], options);

        float.IsFinite(forward).Should().BeTrue($"{expected:E} is a float");
        ((double)forward).Should().BeApproximately(expected, Math.Abs(expected) * 1e-6);
        BitConverter.SingleToInt32Bits(forwardBackward).Should().Be(BitConverter.SingleToInt32Bits(forward));
    }

    /// <summary>
    /// An infinite variance makes the loss +∞ (PyTorch: ½(ln ∞ + d²/∞) = ∞) wherever it sits, in the vector body, the
    /// overlapping last vector, or any narrower vector or scalar tail, for the reduced and the per-element loss, while
    /// its gradients stay 0; a NaN variance makes the loss NaN.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(15)]
    [InlineData(37)]
    [InlineData(1031)]
    public void AllMethods_InfiniteOrNaNVariance_LossFollowsIt(int length)
    {
        InfiniteOrNaNVariance<float>(length);
        InfiniteOrNaNVariance<double>(length);
    }

    private static void InfiniteOrNaNVariance<T>(int length)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var input = new T[length];
        var target = new T[length];
        for (int i = 0; i < length; i++)
        {
            input[i] = T.CreateTruncating(0.25 * (i % 5));
        }

        // On AVX-512, length − 5 falls in the Vector128 part of 7 and 15 floats (before a scalar tail of 3), and in the
        // new lanes of the last Vector512 of 37 and 1,031, which overlaps the one before it; length − 12 in a lane that
        // vector recomputes but leaves out of the sums (and in the Vector256 part of 15 floats).
        foreach (int position in new[] { 0, length / 2, length - 1, Math.Max(0, length - 5), Math.Max(0, length - 12) })
        {
            foreach (var special in new[] { T.PositiveInfinity, T.NaN })
            {
                var variance = new T[length];
                variance.AsSpan().Fill(T.One);
                variance[position] = special;
                string what = $"{typeof(T).Name} length {length}, variance[{position}] = {special}";
                var losses = new T[length];
                var inputGradient = new T[length];
                var varianceGradient = new T[length];
                Api<T>.ForwardElementwise(input, target, variance, losses, GaussianNllOptions.Default);
                T forward = Api<T>.Forward(input, target, variance, GaussianNllOptions.Default);
                T sum = Api<T>.Forward(input, target, variance, GaussianNllOptions.Default with { Reduction = Reduction.Sum });
                T both = Api<T>.ForwardBackward(input, target, variance, inputGradient, varianceGradient, GaussianNllOptions.Default);
                foreach (var (name, value) in new[] { ("element", losses[position]), ("Forward mean", forward), ("Forward sum", sum), ("ForwardBackward", both) })
                {
                    if (T.IsNaN(special))
                    {
                        T.IsNaN(value).Should().BeTrue($"{what}: {name} is NaN");
                    }
                    else
                    {
                        T.IsPositiveInfinity(value).Should().BeTrue($"{what}: {name} is +∞, not {value}");
                    }
                }

                if (!T.IsNaN(special))
                {
                    inputGradient[position].Should().Be(T.Zero, $"{what}: d/dinput = d/∞");
                    varianceGradient[position].Should().Be(T.Zero, $"{what}: d/dσ² = ½(1/∞ − d²/∞²)");
                }
            }
        }
    }

    /// <summary>
    /// Layouts that carry the summed loss from one kernel run into the next (per column: row by row; per row of few
    /// columns: tile by tile), with infinite variance entries met more than once: the loss stays +∞ in every
    /// parametrization (σ = +∞ and ln σ² = +∞ mean v = +∞ too), for Forward and ForwardBackward alike.
    /// </summary>
    [Theory]
    [InlineData(VarianceLayout.PerColumn, 40, 256)]
    [InlineData(VarianceLayout.PerRow, 2000, 2)]
    [InlineData(VarianceLayout.PerRow, 300, 20)]
    public void Forward_InfiniteVarianceMetAgain_LossStaysInfinite(VarianceLayout layout, int rows, int columns)
    {
        InfiniteVarianceMetAgain<float>(layout, rows, columns);
        InfiniteVarianceMetAgain<double>(layout, rows, columns);
    }

    private static void InfiniteVarianceMetAgain<T>(VarianceLayout layout, int rows, int columns)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int length = rows * columns;
        var input = new T[length];
        for (int i = 0; i < length; i++)
        {
            input[i] = T.CreateTruncating(0.25 * (i % 7));
        }

        var target = new T[length];
        var variance = new T[layout == VarianceLayout.PerRow ? rows : columns];
        variance.AsSpan().Fill(T.One);
        variance[3] = T.PositiveInfinity;
        variance[variance.Length - 2] = T.PositiveInfinity;
        foreach (var parametrization in Enum.GetValues<VarianceParametrization>())
        {
            var options = GaussianNllOptions.Default with { VarianceLayout = layout, Parametrization = parametrization };
            string what = $"{typeof(T).Name} {layout} {rows}x{columns} {parametrization}";
            T mean = Api<T>.Forward(input, target, variance, options);
            T sum = Api<T>.Forward(input, target, variance, options with { Reduction = Reduction.Sum });
            T both = Api<T>.ForwardBackward(input, target, variance, new T[length], new T[variance.Length], options);
            T.IsPositiveInfinity(mean).Should().BeTrue($"{what}: Forward mean is +∞, not {mean}");
            T.IsPositiveInfinity(sum).Should().BeTrue($"{what}: Forward sum is +∞, not {sum}");
            T.IsPositiveInfinity(both).Should().BeTrue($"{what}: ForwardBackward is +∞, not {both}");
        }
    }

    /// <summary>
    /// Rows shorter than the tile thresholds (up to 511 columns per row, 1,023 per column) run on tiles, per-column rows
    /// exactly as wide as the widest vector (2 to 16 columns, by width and type) with a variance per lane, and longer
    /// per-row rows one at a time: the per-row and per-column layouts give every element the same loss and input
    /// gradient, to the bit, as the elementwise layout with the variance written out per element, and variance
    /// gradients that are those elements' sums.
    /// </summary>
    [Theory]
    [MemberData(nameof(ShortRows))]
    public void AllMethods_ShortRows_MatchElementwiseWithVarianceWrittenOut(string type, VarianceLayout layout, int columns, double beta)
    {
        if (type == "float")
        {
            ShortRowsMatchElementwise<float>(layout, columns, beta);
        }
        else
        {
            ShortRowsMatchElementwise<double>(layout, columns, beta);
        }
    }

    public static TheoryData<string, VarianceLayout, int, double> ShortRows()
    {
        var data = new TheoryData<string, VarianceLayout, int, double>();
        foreach (string type in new[] { "float", "double" })
        {
            foreach (var layout in new[] { VarianceLayout.PerRow, VarianceLayout.PerColumn })
            {
                foreach (int columns in new[] { 2, 3, 4, 5, 6, 7, 8, 15, 16, 17, 100, 255, 300, 600 })
                {
                    data.Add(type, layout, columns, 0.0);
                }

                foreach (int columns in new[] { 2, 4, 8, 16, 17, 300 })
                {
                    data.Add(type, layout, columns, 0.5);
                }
            }
        }

        return data;
    }

    private static void ShortRowsMatchElementwise<T>(VarianceLayout layout, int columns, double beta)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        // Enough rows for two tiles and a partial third (a tile holds up to 1,024 elements per column, 2,048 floats or
        // 1,024 doubles per row).
        int rows = (2 * (2048 / columns)) + 5;
        var mismatches = new Mismatches();
        foreach (var parametrization in Enum.GetValues<VarianceParametrization>())
        {
            var options = GaussianNllOptions.Default with { VarianceLayout = layout, Parametrization = parametrization, Beta = beta };
            var problem = Problem<T>.Create(new Random(columns), new Shape(layout, rows, columns), options, clampedFraction: 0.05);
            var variance = problem.Variance;
            var expanded = new T[rows * columns];
            for (int i = 0; i < expanded.Length; i++)
            {
                expanded[i] = layout == VarianceLayout.PerRow ? variance[i / columns] : variance[i % columns];
            }

            var tiled = Outputs<T>.Of(problem.Input, problem.Target, variance, problem.OutputGradient, options);
            var flat = Outputs<T>.Of(problem.Input, problem.Target, expanded, problem.OutputGradient, options with { VarianceLayout = VarianceLayout.Elementwise });
            string what = $"{problem}";
            mismatches.Bits<T>($"{what} ForwardElementwise", tiled.Loss, flat.Loss);
            mismatches.Bits<T>($"{what} ForwardBackward inputGradient", tiled.BothInputGradient, flat.BothInputGradient);

            // The reduced losses (summed another way than the flat run's) against the double reference.
            double roundoff = typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);
            var reference = problem.Reference(perElementGradient: false);
            Check.ReducedLoss(mismatches, $"{what} Forward(Mean)", tiled.Mean, reference, Reduction.Mean, roundoff);
            Check.ReducedLoss(mismatches, $"{what} Forward(Sum)", tiled.Sum, reference, Reduction.Sum, roundoff);
            mismatches.Bits($"{what} ForwardBackward loss vs Forward(Mean)", tiled.ForwardBackwardLoss, tiled.Mean);
            mismatches.Bits<T>($"{what} BackwardElementwise inputGradient", tiled.ElementwiseInputGradient, flat.ElementwiseInputGradient);

            // The entries' gradients: the sums of their elements' gradients, in double, to the same tolerance the
            // reference tests give a sum of that many terms.
            int count = layout == VarianceLayout.PerRow ? columns : rows;
            foreach (var (method, tiledGradient, flatGradient) in new[]
            {
                ("ForwardBackward", tiled.BothVarianceGradient, flat.BothVarianceGradient),
                ("Backward", tiled.VarianceGradient, flat.VarianceGradient),
                ("BackwardElementwise", tiled.ElementwiseVarianceGradient, flat.ElementwiseVarianceGradient),
            })
            {
                var sums = new double[variance.Length];
                var magnitudes = new double[variance.Length];
                for (int i = 0; i < expanded.Length; i++)
                {
                    int entry = layout == VarianceLayout.PerRow ? i / columns : i % columns;
                    double g = double.CreateTruncating(flatGradient[i]);
                    sums[entry] += g;
                    magnitudes[entry] += Math.Abs(g);
                }

                for (int j = 0; j < sums.Length; j++)
                {
                    mismatches.Close($"{what} {method} varianceGradient", j, double.CreateTruncating(tiledGradient[j]), sums[j], Tolerance.Sum(roundoff, count, magnitudes[j]));
                }
            }
        }

        mismatches.ThrowIfAny($"{layout} x{columns} β={beta}");
    }

    /// <summary>A copy of <paramref name="values"/> starting <paramref name="offset"/> elements into a new array.</summary>
    private static Memory<T> Shifted<T>(ReadOnlySpan<T> values, int offset)
    {
        var array = new T[offset + values.Length + 7];
        values.CopyTo(array.AsSpan(offset));
        return array.AsMemory(offset, values.Length);
    }
}

/// <summary>
/// The sum half of the 2^26 test, in its own class so that xunit runs it beside the mean half (each is one long
/// pass over 2^26 elements).
/// </summary>
public class LargeSumAccuracyTests
{
    [Fact]
    public void Forward_FloatSumOf2Pow26EqualTerms_IsExact()
    {
        var buffer = AccuracyTests.Alternating.Value;
        var options = GaussianNllOptions.Default with { VarianceLayout = VarianceLayout.Scalar, Reduction = Reduction.Sum };
        float term = GaussianNllLoss.Forward([0f], [1f], [1f], options);

        float sum = GaussianNllLoss.Forward(buffer.AsSpan(0, AccuracyTests.Huge), buffer.AsSpan(1, AccuracyTests.Huge), [1f], options);

        // 2^26 · ½ = 2^25 is a float; within one float ulp of it (relative 2^-23) and in fact exact.
        float expected = (float)((double)term * AccuracyTests.Huge);
        Assert.True(Math.Abs(sum - expected) <= MathF.BitIncrement(expected) - expected, $"sum {sum:R}, expected {expected:R}");
        Assert.Equal(expected, sum);
    }
}

/// <summary>Everything the five entry points return for one input, for bit-for-bit comparisons.</summary>
internal sealed class Outputs<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public T Mean { get; private init; }

    public T Sum { get; private init; }

    public T ForwardBackwardLoss { get; private init; }

    public T[] Loss { get; private init; } = [];

    public T[] InputGradient { get; private init; } = [];

    public T[] VarianceGradient { get; private init; } = [];

    public T[] BothInputGradient { get; private init; } = [];

    public T[] BothVarianceGradient { get; private init; } = [];

    public T[] ElementwiseInputGradient { get; private init; } = [];

    public T[] ElementwiseVarianceGradient { get; private init; } = [];

    /// <summary>
    /// Calls every entry point; with <paramref name="everything"/> false (for large inputs), only ForwardBackward
    /// (the reduced loss, which Forward returns to the bit, and every gradient) and BackwardElementwise (per-element
    /// upstream gradients and summed variance gradients).
    /// </summary>
    public static Outputs<T> Of(ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> variance, ReadOnlySpan<T> outputGradient, GaussianNllOptions options, bool everything = true)
    {
        int n = input.Length;
        var loss = new T[n];
        var inputGradient = new T[n];
        var varianceGradient = new T[variance.Length];
        var bothInputGradient = new T[n];
        var bothVarianceGradient = new T[variance.Length];
        var elementwiseInputGradient = new T[n];
        var elementwiseVarianceGradient = new T[variance.Length];
        if (everything)
        {
            Api<T>.ForwardElementwise(input, target, variance, loss, options);
            Api<T>.Backward(input, target, variance, inputGradient, varianceGradient, options, T.CreateTruncating(1.25));
        }

        Api<T>.BackwardElementwise(input, target, variance, outputGradient, elementwiseInputGradient, elementwiseVarianceGradient, options);
        return new Outputs<T>
        {
            Mean = everything ? Api<T>.Forward(input, target, variance, options with { Reduction = Reduction.Mean }) : T.Zero,
            Sum = everything ? Api<T>.Forward(input, target, variance, options with { Reduction = Reduction.Sum }) : T.Zero,
            ForwardBackwardLoss = Api<T>.ForwardBackward(input, target, variance, bothInputGradient, bothVarianceGradient, options),
            Loss = loss,
            InputGradient = inputGradient,
            VarianceGradient = varianceGradient,
            BothInputGradient = bothInputGradient,
            BothVarianceGradient = bothVarianceGradient,
            ElementwiseInputGradient = elementwiseInputGradient,
            ElementwiseVarianceGradient = elementwiseVarianceGradient,
        };
    }

    public void CompareBits(Mismatches mismatches, Outputs<T> expected, string what)
    {
        mismatches.Bits($"{what} Forward(Mean)", Mean, expected.Mean);
        mismatches.Bits($"{what} Forward(Sum)", Sum, expected.Sum);
        mismatches.Bits($"{what} ForwardBackward", ForwardBackwardLoss, expected.ForwardBackwardLoss);
        mismatches.Bits<T>($"{what} ForwardElementwise", Loss, expected.Loss);
        mismatches.Bits<T>($"{what} Backward inputGradient", InputGradient, expected.InputGradient);
        mismatches.Bits<T>($"{what} Backward varianceGradient", VarianceGradient, expected.VarianceGradient);
        mismatches.Bits<T>($"{what} ForwardBackward inputGradient", BothInputGradient, expected.BothInputGradient);
        mismatches.Bits<T>($"{what} ForwardBackward varianceGradient", BothVarianceGradient, expected.BothVarianceGradient);
        mismatches.Bits<T>($"{what} BackwardElementwise inputGradient", ElementwiseInputGradient, expected.ElementwiseInputGradient);
        mismatches.Bits<T>($"{what} BackwardElementwise varianceGradient", ElementwiseVarianceGradient, expected.ElementwiseVarianceGradient);
    }
}
