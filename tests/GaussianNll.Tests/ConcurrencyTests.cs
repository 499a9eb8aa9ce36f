using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Threading;
using System.Threading.Tasks;
using FluentAssertions;
using Xunit;

namespace GaussianNll.Tests;

/// <summary>
/// The entry points are thread-safe and their results do not depend on threading: many threads calling at once
/// with different data get the bits of sequential calls, and every MaxDegreeOfParallelism gives the same bits,
/// below and above the parallel break-even size (<see cref="ParallelWalk.MinimumLength"/>, 256 Ki elements).
/// </summary>
public class ConcurrencyTests
{
    private const int Threads = 8;
    private const int Iterations = 50;

    [Fact]
    public async Task AllMethods_ManyThreadsAtOnce_SameBitsAsSequential()
    {
        var random = new Random(808);
        var shapes = new[]
        {
            Shape.Flat(VarianceLayout.Elementwise, 1031),
            Shape.Flat(VarianceLayout.Scalar, 1299),
            new Shape(VarianceLayout.PerRow, 21, 37),
            new Shape(VarianceLayout.PerColumn, 7, 150),
            new Shape(VarianceLayout.PerColumn, 3, 600), // more than 512 columns: pooled column sums
        };
        var cases = new List<ICase>();
        for (int i = 0; i < 10; i++)
        {
            var shape = shapes[i % shapes.Length];
            var options = GaussianNllOptions.Default with
            {
                VarianceLayout = shape.Layout,
                Parametrization = (VarianceParametrization)(i % 3),
                Beta = i % 2 == 0 ? 0 : 0.5,
                Reduction = i % 3 == 0 ? Reduction.Sum : Reduction.Mean,
            };
            cases.Add(i % 2 == 0 ? new Case<float>(Problem<float>.Create(random, shape, options, 0.02)) : new Case<double>(Problem<double>.Create(random, shape, options, 0.02)));
        }

        using var start = new Barrier(Threads);
        var failures = new Mismatches[Threads];
        var tasks = Enumerable.Range(0, Threads).Select(thread => Task.Factory.StartNew(
            () =>
            {
                var mismatches = failures[thread] = new Mismatches();
                start.SignalAndWait();
                for (int iteration = 0; iteration < Iterations; iteration++)
                {
                    cases[(thread + iteration) % cases.Count].CheckAgainstSequential(mismatches, $"thread {thread} iteration {iteration}");
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        await Task.WhenAll(tasks);

        foreach (var mismatches in failures)
        {
            mismatches.ThrowIfAny("concurrent calls");
        }
    }

    public static TheoryData<string, VarianceLayout, int, int> ParallelSizes()
    {
        // Below the parallel break-even size (where every degree must stay sequential) and above it (ragged: not a
        // multiple of any chunk), per layout; per-row and per-column as 257 rows of 4099 columns, as 16411 rows of 17
        // columns (the short-row tiles, with prepared ln v and 1/v), and as 16411 rows of 16 (with AVX-512, one vector
        // per row: per row a prepared entry per vector, per column the variance per lane), and as 100003 rows of 3
        // (narrow rows, spread and summed a group of rows at a time).
        return new TheoryData<string, VarianceLayout, int, int>
        {
            { "float", VarianceLayout.Elementwise, 65537, 0 },
            { "float", VarianceLayout.Elementwise, (1 << 20) + 4099, 0 },
            { "float", VarianceLayout.PerRow, 257 * 4099, 4099 },
            { "float", VarianceLayout.PerColumn, 257 * 4099, 4099 },
            { "float", VarianceLayout.PerRow, 16411 * 17, 17 },
            { "double", VarianceLayout.PerColumn, 16411 * 17, 17 },
            { "float", VarianceLayout.PerRow, 16411 * 16, 16 },
            { "float", VarianceLayout.PerColumn, 16411 * 16, 16 },
            { "float", VarianceLayout.PerRow, 100003 * 3, 3 },
            { "double", VarianceLayout.Scalar, (1 << 20) + 4099, 0 },
        };
    }

    [Theory]
    [MemberData(nameof(ParallelSizes))]
    public void AllMethods_AnyMaxDegreeOfParallelism_SameBits(string type, VarianceLayout layout, int length, int columns)
    {
        if (type == "float")
        {
            DegreesRun<float>(layout, length, columns);
        }
        else
        {
            DegreesRun<double>(layout, length, columns);
        }
    }

    private static void DegreesRun<T>(VarianceLayout layout, int length, int columns)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        // Per-row and per-column: 257 rows of 4099 (more than 512 columns: the pooled column sums; rows that do
        // not align with the 16 Ki-element chunks), or rows of 17 (short-row tiles).
        var shape = layout is VarianceLayout.PerRow or VarianceLayout.PerColumn
            ? new Shape(layout, length / columns, columns)
            : Shape.Flat(layout, length);
        // β and the σ parametrizations cost an exp or more per element, which the scalar CI leg feels at 1 Mi
        // elements; they change nothing about how chunks are split and combined, so only the broadcast layout
        // (one exp for all) uses them here.
        var options = layout == VarianceLayout.Scalar
            ? GaussianNllOptions.Default with { VarianceLayout = layout, Parametrization = VarianceParametrization.LogVariance, Beta = 0.5 }
            : GaussianNllOptions.Default with { VarianceLayout = layout };
        var problem = Problem<T>.Create(new Random(length), shape, options, clampedFraction: 0.01);
        var mismatches = new Mismatches();
        Outputs<T>? sequential = null;
        foreach (int degree in new[] { 1, 2, 4, -1 })
        {
            var withDegree = options with { MaxDegreeOfParallelism = degree };
            var outputs = Outputs<T>.Of(problem.Input, problem.Target, problem.Variance, problem.OutputGradient, withDegree, everything: false);
            if (sequential is null)
            {
                sequential = outputs;
            }
            else
            {
                outputs.CompareBits(mismatches, sequential, $"MaxDegreeOfParallelism {degree} vs 1");
            }
        }

        // Forward asks for no variance gradient, so the per-column layout runs on worker threads too.
        T sequentialForward = Api<T>.Forward(problem.Input, problem.Target, problem.Variance, options);
        foreach (int degree in new[] { 2, 4, -1 })
        {
            T forward = Api<T>.Forward(problem.Input, problem.Target, problem.Variance, options with { MaxDegreeOfParallelism = degree });
            forward.Should().Be(sequentialForward, $"Forward with MaxDegreeOfParallelism {degree} has the same bits as with 1");
        }

        // The sizes above the break-even really take the parallel path (so the comparison above is not sequential
        // against sequential).
        bool parallel = ParallelWalk.ShouldRun(new GaussianNll.Shape(layout, length, problem.Variance.Length), 2);
        parallel.Should().Be(length >= ParallelWalk.MinimumLength);

        mismatches.ThrowIfAny(problem.ToString());
    }

    private interface ICase
    {
        void CheckAgainstSequential(Mismatches mismatches, string what);
    }

    /// <summary>One data set and the outputs of sequential calls on it.</summary>
    private sealed class Case<T> : ICase
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly Problem<T> _problem;
        private readonly Outputs<T> _sequential;

        public Case(Problem<T> problem)
        {
            _problem = problem;
            _sequential = Outputs<T>.Of(problem.Input, problem.Target, problem.Variance, problem.OutputGradient, problem.Options);
        }

        public void CheckAgainstSequential(Mismatches mismatches, string what)
        {
            var outputs = Outputs<T>.Of(_problem.Input, _problem.Target, _problem.Variance, _problem.OutputGradient, _problem.Options);
            outputs.CompareBits(mismatches, _sequential, $"{what} {_problem}");
        }
    }
}
