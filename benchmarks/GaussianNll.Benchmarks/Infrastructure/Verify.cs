using System;
using System.Globalization;
using System.Numerics;

namespace GaussianNll.Benchmarks;

/// <summary>
/// Checks what an implementation computed against a reference evaluated in double from the same inputs, and throws
/// if they disagree: a benchmark of wrong code is worthless. Every benchmark class calls it from its
/// <c>[GlobalSetup]</c>, so every run, dry runs included, verifies what it is about to measure.
/// </summary>
/// <remarks>
/// Errors are measured against the magnitude of the terms that make up a value (|½ ln v| + ½d²/v for a loss,
/// ½(1/v + d²/v²) for a variance derivative), since a result that is the difference of two large terms cannot be
/// more accurate than they are.
/// </remarks>
public static class Verify
{
    /// <summary>The tolerance of a single element's value, relative to its terms' magnitude.</summary>
    public static double ElementTolerance<T>() => typeof(T) == typeof(float) ? 1e-5 : 1e-12;

    /// <summary>The tolerance of a sum over many elements (a reduced loss, a shared variance's gradient), relative to the sum of their magnitudes.</summary>
    public static double SumTolerance<T>() => typeof(T) == typeof(float) ? 1e-5 : 1e-10;

    /// <summary>Checks the results of one call. Empty spans are not checked.</summary>
    /// <param name="implementation">What computed the results, for the message.</param>
    /// <param name="workload">The inputs it was given.</param>
    /// <param name="meanLoss">The mean loss it returned, or <see langword="null"/>.</param>
    /// <param name="elementLoss">The per-element losses it wrote.</param>
    /// <param name="outputGradient">The upstream gradient per element; empty for the gradient of the mean (1/N each).</param>
    /// <param name="inputGradient">The input gradient it wrote.</param>
    /// <param name="varianceGradient">The variance gradient it wrote (one per variance entry).</param>
    /// <param name="lossTolerance">The tolerance of the mean loss; <see cref="SumTolerance{T}"/> when <see langword="null"/>.</param>
    public static void Results<T>(
        string implementation,
        Workload<T> workload,
        double? meanLoss,
        ReadOnlySpan<T> elementLoss = default,
        ReadOnlySpan<T> outputGradient = default,
        ReadOnlySpan<T> inputGradient = default,
        ReadOnlySpan<T> varianceGradient = default,
        double? lossTolerance = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(workload);
        string what = $"{implementation} ({typeof(T).Name}, {workload.Length:N0} elements, {workload.Options.VarianceLayout}, {workload.Options.Parametrization})";
        double elementTolerance = ElementTolerance<T>();
        double sumTolerance = SumTolerance<T>();
        int n = workload.Length;
        double epsilon = double.CreateTruncating(workload.Epsilon);
        double logEpsilon = Math.Log(epsilon);
        var parametrization = workload.Options.Parametrization;

        bool checkVariance = !varianceGradient.IsEmpty;
        double[] expectedVariance = checkVariance ? new double[workload.Variance.Length] : [];
        double[] varianceMagnitude = checkVariance ? new double[workload.Variance.Length] : [];
        double lossSum = 0;
        double lossMagnitude = 0;

        for (int i = 0; i < n; i++)
        {
            int j = workload.VarianceIndex(i);
            double d = double.CreateTruncating(workload.Input[i]) - double.CreateTruncating(workload.Target[i]);
            double p = double.CreateTruncating(workload.Variance[j]);
            double v;
            double logV;
            double dParameter;
            double parameterMagnitude;
            switch (parametrization)
            {
                case VarianceParametrization.LogVariance:
                    logV = Math.Max(p, logEpsilon);
                    v = Math.Exp(logV);
                    dParameter = 0.5 * (1 - (d * d / v));
                    parameterMagnitude = 0.5 * (1 + (d * d / v));
                    break;
                case VarianceParametrization.StandardDeviation:
                    v = Math.Max(p * p, epsilon);
                    logV = Math.Log(v);
                    dParameter = p * ((1 / v) - (d * d / (v * v)));
                    parameterMagnitude = Math.Abs(p) * ((1 / v) + (d * d / (v * v)));
                    break;
                default:
                    v = Math.Max(p, epsilon);
                    logV = Math.Log(v);
                    dParameter = 0.5 * ((1 / v) - (d * d / (v * v)));
                    parameterMagnitude = 0.5 * ((1 / v) + (d * d / (v * v)));
                    break;
            }

            double loss = 0.5 * (logV + (d * d / v));
            double magnitude = 0.5 * (Math.Abs(logV) + (d * d / v));
            lossSum += loss;
            lossMagnitude += magnitude;
            if (!elementLoss.IsEmpty)
            {
                Compare(what, "loss", i, double.CreateTruncating(elementLoss[i]), loss, magnitude, elementTolerance);
            }

            double scale = outputGradient.IsEmpty ? 1.0 / n : double.CreateTruncating(outputGradient[i]);
            if (!inputGradient.IsEmpty)
            {
                Compare(what, "input gradient", i, double.CreateTruncating(inputGradient[i]), scale * d / v, Math.Abs(scale * d / v), elementTolerance);
            }

            if (checkVariance)
            {
                expectedVariance[j] += scale * dParameter;
                varianceMagnitude[j] += Math.Abs(scale) * parameterMagnitude;
            }
        }

        if (meanLoss is double mean)
        {
            Compare(what, "mean loss", -1, mean, lossSum / n, lossMagnitude / n, lossTolerance ?? sumTolerance);
        }

        for (int j = 0; j < expectedVariance.Length; j++)
        {
            bool shared = workload.Options.VarianceLayout != VarianceLayout.Elementwise;
            Compare(what, "variance gradient", j, double.CreateTruncating(varianceGradient[j]), expectedVariance[j], varianceMagnitude[j], shared ? sumTolerance : elementTolerance);
        }
    }

    /// <summary>
    /// Checks that the memory-limit kernels move every byte they claim to (a kernel that skipped some would set too
    /// high a bar's reciprocal): each output must hold exactly what it should, and each sum must be Σσ².
    /// </summary>
    public static void MemoryLimitKernels<T>(Workload<T> workload, T[] first, T[] second)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        double expectedSum = 0;
        foreach (T v in workload.Variance)
        {
            expectedSum += double.CreateTruncating(v);
        }

        double sum = double.CreateTruncating(MemoryLimit.Vector512Kernel<T>(workload.Input, workload.Target, workload.Variance, first, second));
        Compare("memory-limit Vector512 kernel", "sum", -1, sum, expectedSum, expectedSum, 1e-3);
        for (int i = 0; i < workload.Length; i++)
        {
            if (first[i] != workload.Input[i] - workload.Target[i] || second[i] != workload.Variance[i])
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Verification failed: the memory-limit Vector512 kernel wrote a wrong value at [{i}]."));
            }
        }

        sum = double.CreateTruncating(MemoryLimit.CopyKernel<T>(workload.Input, workload.Target, workload.Variance, first, second));
        Compare("memory-limit copy kernel", "sum", -1, sum, expectedSum, expectedSum, 1e-3);
        if (!first.AsSpan().SequenceEqual(workload.Input) || !second.AsSpan().SequenceEqual(workload.Target))
        {
            throw new InvalidOperationException("Verification failed: the memory-limit copy kernel did not copy its inputs.");
        }
    }

    private static void Compare(string what, string quantity, int index, double actual, double expected, double magnitude, double tolerance)
    {
        double error = Math.Abs(actual - expected);
        if (!(error <= tolerance * magnitude) && !(error <= 1e-300))
        {
            string where = index < 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" at [{index}]");
            throw new InvalidOperationException(string.Create(
                CultureInfo.InvariantCulture,
                $"Verification failed: {what} computed {quantity}{where} = {actual:R}, expected {expected:R} (error {error:G3}, allowed {tolerance:G3} × {magnitude:G3})."));
        }
    }
}
