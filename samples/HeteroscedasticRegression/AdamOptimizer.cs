using System;

namespace HeteroscedasticRegression;

/// <summary>Adam (Kingma and Ba, 2015) over one flat parameter vector, with bias correction.</summary>
public sealed class AdamOptimizer
{
    private readonly float[] _firstMoment;
    private readonly float[] _secondMoment;
    private int _step;

    /// <summary>Creates an optimizer for a vector of <paramref name="parameterCount"/> parameters.</summary>
    public AdamOptimizer(int parameterCount, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        _firstMoment = new float[parameterCount];
        _secondMoment = new float[parameterCount];
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>The decay of the running mean of the gradient.</summary>
    public double Beta1 { get; }

    /// <summary>The decay of the running mean of the squared gradient.</summary>
    public double Beta2 { get; }

    /// <summary>The term added to the root of the second moment.</summary>
    public double Epsilon { get; }

    /// <summary>The number of steps taken.</summary>
    public int StepCount => _step;

    /// <summary>Takes one step: <c>θ −= lr · m̂ / (√v̂ + ε)</c>.</summary>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradient, double learningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(parameters.Length, _firstMoment.Length, nameof(parameters));
        ArgumentOutOfRangeException.ThrowIfNotEqual(gradient.Length, _firstMoment.Length, nameof(gradient));

        _step++;
        float beta1 = (float)Beta1;
        float beta2 = (float)Beta2;
        float stepSize = (float)(learningRate / (1 - Math.Pow(Beta1, _step)));
        float secondCorrection = (float)(1 / Math.Sqrt(1 - Math.Pow(Beta2, _step)));
        float epsilon = (float)Epsilon;
        for (int i = 0; i < parameters.Length; i++)
        {
            float g = gradient[i];
            float m = (beta1 * _firstMoment[i]) + ((1 - beta1) * g);
            float v = (beta2 * _secondMoment[i]) + ((1 - beta2) * g * g);
            _firstMoment[i] = m;
            _secondMoment[i] = v;
            parameters[i] -= stepSize * m / ((MathF.Sqrt(v) * secondCorrection) + epsilon);
        }
    }
}
