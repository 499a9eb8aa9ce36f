using System;
using System.Collections.Generic;
using System.Numerics;
using FluentAssertions;
using Xunit;

namespace GaussianNll.Tests;

/// <summary>
/// <see cref="GaussianNllAccumulator"/>: chunks added in any cutting give the one-shot sum and mean (to within the
/// rounding of the chunk sums), shards merge into the whole, options must agree to merge, Reset empties, and a
/// rejected chunk leaves the accumulator as it was.
/// </summary>
public class AccumulatorTests
{
    [Theory]
    [MemberData(nameof(TheoryCases.TypesAndLayouts), MemberType = typeof(TheoryCases))]
    public void Add_RandomChunkings_EqualsOneForwardSumAndMean(string type, VarianceLayout layout)
    {
        if (type == "float")
        {
            Chunkings<float>(layout);
        }
        else
        {
            Chunkings<double>(layout);
        }
    }

    [Theory]
    [MemberData(nameof(TheoryCases.TypesAndLayouts), MemberType = typeof(TheoryCases))]
    public void Add_WholeInputAsOneChunk_SumIsForwardsSumBeforeRounding(string type, VarianceLayout layout)
    {
        if (type == "float")
        {
            OneChunk<float>(layout);
        }
        else
        {
            OneChunk<double>(layout);
        }
    }

    [Theory]
    [MemberData(nameof(TheoryCases.TypesAndLayouts), MemberType = typeof(TheoryCases))]
    public void Merge_Shards_EqualsWhole(string type, VarianceLayout layout)
    {
        if (type == "float")
        {
            Shards<float>(layout);
        }
        else
        {
            Shards<double>(layout);
        }
    }

    [Fact]
    public void Constructor_NullOptions_UsesDefault()
    {
        var accumulator = new GaussianNllAccumulator();
        accumulator.Options.Should().BeSameAs(GaussianNllOptions.Default);
        new GaussianNllAccumulator(null).Options.Should().Be(GaussianNllOptions.Default);
    }

    [Fact]
    public void Mean_Empty_IsNaN()
    {
        var accumulator = new GaussianNllAccumulator();
        accumulator.Count.Should().Be(0);
        accumulator.Sum.Should().Be(0);
        double.IsNaN(accumulator.Mean).Should().BeTrue();
    }

    [Fact]
    public void Add_FloatAndDoubleChunks_AddsBoth()
    {
        var options = GaussianNllOptions.Default with { Full = true };
        var accumulator = new GaussianNllAccumulator(options);
        accumulator.Add([1f, 2f], [0.5f, 2.5f], [2f, 0.25f]);
        accumulator.Add([1.0, -3.0, 0.0], [0.0, 0.0, 0.0], [1.0, 4.0, 9.0]);

        double floats = GaussianNllLoss.Forward([1f, 2f], [0.5f, 2.5f], [2f, 0.25f], options with { Reduction = Reduction.Sum });
        double doubles = GaussianNllLoss.Forward([1.0, -3.0, 0.0], [0.0, 0.0, 0.0], [1.0, 4.0, 9.0], options with { Reduction = Reduction.Sum });
        accumulator.Count.Should().Be(5);
        accumulator.Sum.Should().BeApproximately(floats + doubles, 1e-6 * (Math.Abs(floats) + Math.Abs(doubles)));
        accumulator.Mean.Should().Be(accumulator.Sum / 5);
    }

    [Fact]
    public void Merge_Null_ThrowsArgumentNullException()
    {
        var accumulator = new GaussianNllAccumulator();
        Action act = () => accumulator.Merge(null!);
        act.Should().ThrowExactly<ArgumentNullException>().WithParameterName("other");
    }

    public static TheoryData<string> DifferentLosses() => new()
    {
        "Full", "Epsilon", "VarianceLayout", "Parametrization", "Beta",
    };

    [Theory]
    [MemberData(nameof(DifferentLosses))]
    public void Merge_OptionsDefiningAnotherLoss_ThrowsAndChangesNothing(string property)
    {
        var options = GaussianNllOptions.Default with { VarianceLayout = VarianceLayout.Scalar };
        var other = property switch
        {
            "Full" => options with { Full = true },
            "Epsilon" => options with { Epsilon = 1e-3 },
            "VarianceLayout" => options with { VarianceLayout = VarianceLayout.Elementwise },
            "Parametrization" => options with { Parametrization = VarianceParametrization.LogVariance },
            _ => options with { Beta = 0.5 },
        };
        var accumulator = new GaussianNllAccumulator(options);
        accumulator.Add([1.0, 2.0], [0.0, 0.0], [2.0]);
        var donor = new GaussianNllAccumulator(other);
        donor.Add([3.0], [0.0], [1.0]);
        (long count, double sum) = (accumulator.Count, accumulator.Sum);
        (long donorCount, double donorSum) = (donor.Count, donor.Sum);

        Action act = () => accumulator.Merge(donor);
        act.Should().ThrowExactly<ArgumentException>().WithParameterName("other");
        accumulator.Count.Should().Be(count);
        accumulator.Sum.Should().Be(sum);
        donor.Count.Should().Be(donorCount);
        donor.Sum.Should().Be(donorSum);
    }

    [Fact]
    public void Merge_OptionsDifferingOnlyInReductionOrParallelism_Merges()
    {
        var accumulator = new GaussianNllAccumulator(GaussianNllOptions.Default with { Reduction = Reduction.Sum, MaxDegreeOfParallelism = 4 });
        accumulator.Add([1.0], [0.0], [2.0]);
        var other = new GaussianNllAccumulator(GaussianNllOptions.Default with { MaxDegreeOfParallelism = -1 });
        other.Add([3.0, 0.5], [0.0, 0.5], [1.0, 4.0]);
        double expected = accumulator.Sum + other.Sum;

        accumulator.Merge(other);
        accumulator.Count.Should().Be(3);
        accumulator.Sum.Should().Be(expected);
        other.Count.Should().Be(2, "the merged accumulator is left unchanged");
    }

    [Fact]
    public void Merge_Itself_Doubles()
    {
        var accumulator = new GaussianNllAccumulator();
        accumulator.Add([1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [1.0, 2.0, 3.0]);
        double sum = accumulator.Sum;
        accumulator.Merge(accumulator);
        accumulator.Count.Should().Be(6);
        accumulator.Sum.Should().Be(2 * sum);
    }

    [Fact]
    public void Reset_AfterAdds_EmptyWithSameOptions()
    {
        var options = GaussianNllOptions.Default with { Full = true, Beta = 0.5 };
        var accumulator = new GaussianNllAccumulator(options);
        accumulator.Add([1f, 2f, 3f], [0f, 1f, 2f], [1f, 1f, 1f]);
        accumulator.Count.Should().Be(3);

        accumulator.Reset();
        accumulator.Count.Should().Be(0);
        accumulator.Sum.Should().Be(0);
        double.IsNaN(accumulator.Mean).Should().BeTrue();
        accumulator.Options.Should().BeSameAs(options);

        accumulator.Add([1.0], [1.0], [1.0]);
        accumulator.Count.Should().Be(1);
        accumulator.Sum.Should().Be(GaussianNllLoss.Forward([1.0], [1.0], [1.0], options with { Reduction = Reduction.Sum }));
    }

    public static TheoryData<string, string> FailedAdds()
    {
        var data = new TheoryData<string, string>();
        foreach (string type in new[] { "float", "double" })
        {
            foreach (string fault in new[] { "negative-variance", "negative-variance-last", "target-length", "variance-length" })
            {
                data.Add(type, fault);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FailedAdds))]
    public void Add_RejectedChunk_LeavesAccumulatorUnchanged(string type, string fault)
    {
        if (type == "float")
        {
            FailedAdd<float>(fault);
        }
        else
        {
            FailedAdd<double>(fault);
        }
    }

    private static void FailedAdd<T>(string fault)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var options = GaussianNllOptions.Default with { Full = true };
        var accumulator = new GaussianNllAccumulator(options);
        var good = Problem<T>.Create(new Random(3), Shape.Flat(VarianceLayout.Elementwise, 40), options);
        Api<T>.Add(accumulator, good.Input, good.Target, good.Variance);
        (long count, double sum) = (accumulator.Count, accumulator.Sum);

        var input = good.Input.ToArray();
        var target = good.Target.ToArray();
        var variance = good.Variance.ToArray();
        switch (fault)
        {
            case "negative-variance": variance[5] = T.CreateTruncating(-1); break;
            case "negative-variance-last": variance[^1] = T.CreateTruncating(-1e-20); break;
            case "target-length": target = target[..^1]; break;
            default: variance = variance[..^1]; break;
        }

        Action act = () => Api<T>.Add(accumulator, input, target, variance);
        act.Should().ThrowExactly<ArgumentException>().WithParameterName(fault == "target-length" ? "target" : "variance");
        accumulator.Count.Should().Be(count);
        accumulator.Sum.Should().Be(sum);
    }

    /// <summary>Row counts of random chunks (whole rows, so that a per-row or per-column variance slices cleanly).</summary>
    private static List<(int StartRow, int Rows)> RandomChunks(Random random, int rows)
    {
        var chunks = new List<(int, int)>();
        int start = 0;
        while (start < rows)
        {
            int take = random.Next(0, 4) == 0 ? 0 : Math.Min(rows - start, random.Next(1, Math.Max(2, rows / 5)));
            chunks.Add((start, take));
            start += take;
        }

        return chunks;
    }

    /// <summary>700 rows of 9: chunks of whole rows for every layout (Elementwise and Scalar do not care).</summary>
    private static Shape ShapeFor(VarianceLayout layout) => new(layout, 700, 9);

    /// <summary>The chunk of rows [start, start + rows) of a problem, with the variance it needs in its layout.</summary>
    private static void AddRows<T>(GaussianNllAccumulator accumulator, Problem<T> problem, int start, int rows)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int columns = problem.Shape.Columns;
        var input = problem.Input.Slice(start * columns, rows * columns);
        var target = problem.Target.Slice(start * columns, rows * columns);
        var variance = problem.Shape.Layout switch
        {
            VarianceLayout.Elementwise => problem.Variance.Slice(start * columns, rows * columns),
            VarianceLayout.PerRow => problem.Variance.Slice(start, rows),
            _ => problem.Variance,
        };
        Api<T>.Add(accumulator, input, target, variance);
    }

    private static void Chunkings<T>(VarianceLayout layout)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var random = new Random(900 + (int)layout);
        var shape = ShapeFor(layout);
        var options = GaussianNllOptions.Default with { VarianceLayout = layout, Full = true, Beta = 0.5, Parametrization = (VarianceParametrization)((int)layout % 3) };
        var problem = Problem<T>.Create(random, shape, options, clampedFraction: 0.02);
        var reference = problem.Reference(perElementGradient: false);
        double u = Api<T>.UnitRoundoff;
        double forwardSum = double.CreateTruncating(Api<T>.Forward(problem.Input, problem.Target, problem.Variance, options with { Reduction = Reduction.Sum }));
        double forwardMean = double.CreateTruncating(Api<T>.Forward(problem.Input, problem.Target, problem.Variance, options with { Reduction = Reduction.Mean }));

        var mismatches = new Mismatches();
        for (int trial = 0; trial < 6; trial++)
        {
            var accumulator = new GaussianNllAccumulator(options);
            var chunks = RandomChunks(random, shape.Rows);
            foreach (var (start, rows) in chunks)
            {
                AddRows(accumulator, problem, start, rows);
            }

            string at = $"trial {trial} ({chunks.Count} chunks)";
            mismatches.True(accumulator.Count == shape.Length, $"{at}: Count {accumulator.Count}, expected {shape.Length}");

            // Both the accumulator and Forward are within the sum bound of the exact sum (the reference's); so they
            // are within twice that of each other (plus Forward's final rounding to T).
            double bound = Tolerance.Sum(u, shape.Length, reference.LossMagnitudeSum);
            mismatches.Close($"{at}: Sum vs reference", accumulator.Sum, reference.LossSum, bound);
            mismatches.Close($"{at}: Sum vs Forward(Sum)", accumulator.Sum, forwardSum, (2 * bound) + (u * Math.Abs(forwardSum)));
            mismatches.Close($"{at}: Mean vs Forward(Mean)", accumulator.Mean, forwardMean, ((2 * bound) / shape.Length) + (u * Math.Abs(forwardMean)));
            mismatches.True(accumulator.Mean == accumulator.Sum / accumulator.Count, $"{at}: Mean is not Sum / Count");
        }

        mismatches.ThrowIfAny(problem.ToString());
    }

    private static void OneChunk<T>(VarianceLayout layout)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var shape = ShapeFor(layout);
        var options = GaussianNllOptions.Default with { VarianceLayout = layout, Parametrization = (VarianceParametrization)(((int)layout + 1) % 3) };
        var problem = Problem<T>.Create(new Random(41), shape, options);
        var accumulator = new GaussianNllAccumulator(options);
        Api<T>.Add(accumulator, problem.Input, problem.Target, problem.Variance);
        T sum = Api<T>.Forward(problem.Input, problem.Target, problem.Variance, options with { Reduction = Reduction.Sum });
        T mean = Api<T>.Forward(problem.Input, problem.Target, problem.Variance, options with { Reduction = Reduction.Mean });

        // "Each Add computes the chunk's sum exactly as Forward does": Forward's result is that double rounded to T.
        T.CreateTruncating(accumulator.Sum).Should().Be(sum);
        T.CreateTruncating(accumulator.Mean).Should().Be(mean);
        accumulator.Count.Should().Be(shape.Length);
    }

    private static void Shards<T>(VarianceLayout layout)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var random = new Random(1200 + (int)layout);
        var shape = ShapeFor(layout);
        var options = GaussianNllOptions.Default with { VarianceLayout = layout, Epsilon = 1e-4 };
        var problem = Problem<T>.Create(random, shape, options, clampedFraction: 0.02);
        var whole = new GaussianNllAccumulator(options);
        Api<T>.Add(whole, problem.Input, problem.Target, problem.Variance);

        var shards = new[] { new GaussianNllAccumulator(options), new GaussianNllAccumulator(options), new GaussianNllAccumulator(options) };
        var chunks = RandomChunks(random, shape.Rows);
        for (int i = 0; i < chunks.Count; i++)
        {
            AddRows(shards[i % shards.Length], problem, chunks[i].StartRow, chunks[i].Rows);
        }

        double expectedSum = shards[0].Sum + shards[1].Sum + shards[2].Sum;
        long expectedCount = shards[0].Count + shards[1].Count + shards[2].Count;
        double secondSum = shards[1].Sum;
        shards[0].Merge(shards[1]);
        shards[0].Merge(shards[2]);

        shards[0].Count.Should().Be(expectedCount).And.Be(shape.Length);
        shards[0].Sum.Should().Be(expectedSum, "merging adds the shard sums in double");
        shards[1].Sum.Should().Be(secondSum, "the merged accumulator is left unchanged");
        double bound = 2 * Tolerance.Sum(Api<T>.UnitRoundoff, shape.Length, problem.Reference(false).LossMagnitudeSum);
        shards[0].Sum.Should().BeApproximately(whole.Sum, bound);
        shards[0].Mean.Should().BeApproximately(whole.Mean, bound / shape.Length);
    }
}
