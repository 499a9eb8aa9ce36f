using System;

namespace GaussianNll.Benchmarks;

/// <summary>
/// The baseline: the plain loop a user would write without this library, one element at a time: clamp with
/// <c>Math.Max</c>, <c>MathF.Log</c> (<c>Math.Log</c> for double), a division, a double sum, both gradients written.
/// </summary>
public static class ScalarBaseline
{
    /// <summary>The mean loss and its gradients, float.</summary>
    public static float ForwardBackward(ReadOnlySpan<float> input, ReadOnlySpan<float> target, ReadOnlySpan<float> variance, Span<float> inputGradient, Span<float> varianceGradient, float epsilon)
    {
        int n = input.Length;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            float v = Math.Max(variance[i], epsilon);
            float d = input[i] - target[i];
            sum += 0.5f * (MathF.Log(v) + (d * d / v));
            inputGradient[i] = d / v / n;
            varianceGradient[i] = 0.5f * ((1 / v) - (d * d / (v * v))) / n;
        }

        return (float)(sum / n);
    }

    /// <summary>The mean loss and its gradients, double.</summary>
    public static double ForwardBackward(ReadOnlySpan<double> input, ReadOnlySpan<double> target, ReadOnlySpan<double> variance, Span<double> inputGradient, Span<double> varianceGradient, double epsilon)
    {
        int n = input.Length;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double v = Math.Max(variance[i], epsilon);
            double d = input[i] - target[i];
            sum += 0.5 * (Math.Log(v) + (d * d / v));
            inputGradient[i] = d / v / n;
            varianceGradient[i] = 0.5 * ((1 / v) - (d * d / (v * v))) / n;
        }

        return sum / n;
    }

    /// <summary>The mean loss only, float.</summary>
    public static float Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> target, ReadOnlySpan<float> variance, float epsilon)
    {
        int n = input.Length;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            float v = Math.Max(variance[i], epsilon);
            float d = input[i] - target[i];
            sum += 0.5f * (MathF.Log(v) + (d * d / v));
        }

        return (float)(sum / n);
    }
}
