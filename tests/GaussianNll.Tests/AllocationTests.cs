using System;
using Xunit;

namespace GaussianNll.Tests;

/// <summary>
/// "Every method allocates nothing" (the pooled per-column buffer aside): after a warm-up call, the calling
/// thread's allocation counter does not move during a call of any entry point or of the accumulator's Add.
/// </summary>
public class AllocationTests
{
    [Theory]
    [InlineData(VarianceLayout.Elementwise, 1, 1000)]
    [InlineData(VarianceLayout.Scalar, 1, 1000)]
    [InlineData(VarianceLayout.PerRow, 40, 25)]
    [InlineData(VarianceLayout.PerColumn, 40, 25)]
    [InlineData(VarianceLayout.PerColumn, 3, 700)]
    [InlineData(VarianceLayout.PerRow, 400, 3)]
    [InlineData(VarianceLayout.PerRow, 100, 16)]
    [InlineData(VarianceLayout.PerColumn, 100, 16)]
    public void AllMethods_SteadyState_AllocateNothing(VarianceLayout layout, int rows, int columns)
    {
        var shape = new Shape(layout, rows, columns);
        var options = GaussianNllOptions.Default with { VarianceLayout = layout, Beta = 0.5, Full = true };
        var problem = Problem<float>.Create(new Random(4), shape, options);
        var input = problem.Input.ToArray();
        var target = problem.Target.ToArray();
        var variance = problem.Variance.ToArray();
        var upstream = problem.OutputGradient.ToArray();
        var destination = new float[shape.Length];
        var inputGradient = new float[shape.Length];
        var varianceGradient = new float[shape.VarianceLength];
        var accumulator = new GaussianNllAccumulator(options);

        void CallAll()
        {
            GaussianNllLoss.Forward(input, target, variance, options);
            GaussianNllLoss.ForwardElementwise(input, target, variance, destination, options);
            GaussianNllLoss.Backward(input, target, variance, inputGradient, varianceGradient, options, 0.5f);
            GaussianNllLoss.BackwardElementwise(input, target, variance, upstream, inputGradient, varianceGradient, options);
            GaussianNllLoss.ForwardBackward(input, target, variance, inputGradient, varianceGradient, options);
            accumulator.Add(input, target, variance);
        }

        CallAll();
        CallAll();
        long before = GC.GetAllocatedBytesForCurrentThread();
        CallAll();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{shape}: {allocated} bytes allocated by one round of calls");
    }
}
