using System;
using GaussianNll;

// 1,031 elements (a Vector512 body, then a last Vector512 overlapping it) and 7 (narrower widths: Vector128 and scalar
// for float, Vector256, Vector128 and scalar for double); every parametrization, with and without β, in float and
// double, through the elementwise (per-element variance) and scalar (shared variance) paths, by every entry point (each
// compiles its own loop; see KernelOutputs); and short rows (8, 16 and 17 columns, per row and per column, and 2 rows of
// 3 per column for the narrower widths), which run the loop on prepared 1/v (and Σ ln v) when β = 0, or with the
// variance held per lane (per column, rows one vector wide).
const int Length = 1031;
var random = new Random(1);
float[] input = new float[Length], target = new float[Length], variance = new float[Length], inputGradient = new float[Length], varianceGradient = new float[Length];
for (int i = 0; i < Length; i++)
{
    input[i] = (float)random.NextDouble();
    target[i] = (float)random.NextDouble();
    variance[i] = (float)random.NextDouble() + 0.1f;
}

double[] inputD = Array.ConvertAll(input, x => (double)x), targetD = Array.ConvertAll(target, x => (double)x), varianceD = Array.ConvertAll(variance, x => (double)x);
double[] inputGradientD = new double[Length], varianceGradientD = new double[Length];
float[] losses = new float[Length], outputGradient = Array.ConvertAll(input, x => x + 0.5f);
double[] lossesD = new double[Length], outputGradientD = Array.ConvertAll(outputGradient, x => (double)x);

double check = 0;
foreach (var parametrization in Enum.GetValues<VarianceParametrization>())
{
    foreach (double beta in new[] { 0.0, 0.5 })
    {
        foreach (var (layout, length) in new[] { (VarianceLayout.Elementwise, Length), (VarianceLayout.Scalar, Length), (VarianceLayout.Elementwise, 7), (VarianceLayout.Scalar, 7) })
        {
            var options = new GaussianNllOptions { Parametrization = parametrization, Beta = beta, VarianceLayout = layout };
            int varianceLength = layout == VarianceLayout.Scalar ? 1 : length;
            Span<float> x = input.AsSpan(0, length), y = target.AsSpan(0, length), v = variance.AsSpan(0, varianceLength), gx = inputGradient.AsSpan(0, length), gv = varianceGradient.AsSpan(0, varianceLength);
            Span<double> xD = inputD.AsSpan(0, length), yD = targetD.AsSpan(0, length), vD = varianceD.AsSpan(0, varianceLength), gxD = inputGradientD.AsSpan(0, length), gvD = varianceGradientD.AsSpan(0, varianceLength);
            check += GaussianNllLoss.ForwardBackward(x, y, v, gx, gv, options);
            check += GaussianNllLoss.ForwardBackward(xD, yD, vD, gxD, gvD, options);
            if (layout != VarianceLayout.Elementwise)
            {
                continue;
            }

            check += GaussianNllLoss.Forward(x, y, v, options);
            check += GaussianNllLoss.Forward(xD, yD, vD, options);
            GaussianNllLoss.ForwardElementwise(x, y, v, losses.AsSpan(0, length), options);
            GaussianNllLoss.ForwardElementwise(xD, yD, vD, lossesD.AsSpan(0, length), options);
            GaussianNllLoss.Backward(x, y, v, gx, gv, options);
            GaussianNllLoss.Backward(xD, yD, vD, gxD, gvD, options);
            GaussianNllLoss.BackwardElementwise(x, y, v, outputGradient.AsSpan(0, length), gx, gv, options);
            GaussianNllLoss.BackwardElementwise(xD, yD, vD, outputGradientD.AsSpan(0, length), gxD, gvD, options);
            check += losses[0] + lossesD[0] + inputGradient[0] + inputGradientD[0] + varianceGradient[0] + varianceGradientD[0];
        }
    }
}

// Short rows: rows of 16 and 8 (per row, the prepared loop with one entry per Vector512 of float and of double; per
// column, the variance held per lane), 60 rows of 17 (per row, the prepared loop with one entry per row; per column,
// one entry per element of a period, at every width; every width of the preparation of 60 row and 17 column
// variances), 60 rows of 3 (per row, the prepared loop spread per element) and 2 rows of 3 (6 elements: the narrower
// widths of both).
foreach (var parametrization in Enum.GetValues<VarianceParametrization>())
{
    foreach (var layout in new[] { VarianceLayout.PerRow, VarianceLayout.PerColumn })
    {
        foreach (var (columns, rows) in new[] { (8, 128), (16, 64), (17, 60), (3, 60), (3, 2) })
        {
            var options = new GaussianNllOptions { Parametrization = parametrization, VarianceLayout = layout };
            int length = rows * columns;
            int varianceLength = layout == VarianceLayout.PerRow ? rows : columns;
            check += GaussianNllLoss.ForwardBackward(input.AsSpan(0, length), target.AsSpan(0, length), variance.AsSpan(0, varianceLength), inputGradient.AsSpan(0, length), varianceGradient.AsSpan(0, varianceLength), options);
            check += GaussianNllLoss.ForwardBackward(inputD.AsSpan(0, length), targetD.AsSpan(0, length), varianceD.AsSpan(0, varianceLength), inputGradientD.AsSpan(0, length), varianceGradientD.AsSpan(0, varianceLength), options);
        }
    }
}

// Calls large enough to stream their outputs (with AVX-512, a Vector512 loop of its own, RunRange's TStream): through
// the caches from LossKernel.AlignedStoreBytes (256 KB per array: 64 Ki floats, 32 Ki doubles) where an output is off a
// cache line, the input gradient past them and the variance's gradient through them from LossKernel.SplitStoreBytes
// (3 MB: 768 Ki floats, 384 Ki doubles) where both are written per element, and all past them from
// LossKernel.StreamingBytes (8 MB: 2 Mi floats, 1 Mi doubles), each its own loop; by every
// entry point that writes per element, through the elementwise and the shared-variance paths, every parametrization,
// with and without β. The outputs start one element past a cache line.
const int Streamed = (1 << 21) + 16, Split = (3 << 18) + 16, Cached = (1 << 16) + 16;
float[] bigInput = new float[Streamed], bigTarget = new float[Streamed], bigVariance = new float[Streamed];
float[] bigGradientArray = GC.AllocateArray<float>(Streamed + 16, pinned: true), bigVarianceGradientArray = GC.AllocateArray<float>(Streamed + 16, pinned: true);
bigInput.AsSpan().Fill(0.25f);
bigVariance.AsSpan().Fill(0.5f);
double[] bigInputD = new double[Streamed / 2], bigTargetD = new double[Streamed / 2], bigVarianceD = new double[Streamed / 2];
double[] bigGradientArrayD = GC.AllocateArray<double>((Streamed / 2) + 8, pinned: true), bigVarianceGradientArrayD = GC.AllocateArray<double>((Streamed / 2) + 8, pinned: true);
bigInputD.AsSpan().Fill(0.25);
bigVarianceD.AsSpan().Fill(0.5);
foreach (int size in new[] { Streamed, Split, Cached })
{
    Span<float> bigGradient = OffLine(bigGradientArray, size), bigVarianceGradient = OffLine(bigVarianceGradientArray, size);
    Span<double> bigGradientD = OffLine(bigGradientArrayD, size / 2), bigVarianceGradientD = OffLine(bigVarianceGradientArrayD, size / 2);
    Span<float> x = bigInput.AsSpan(0, size), y = bigTarget.AsSpan(0, size), v = bigVariance.AsSpan(0, size);
    Span<double> xD = bigInputD.AsSpan(0, size / 2), yD = bigTargetD.AsSpan(0, size / 2), vD = bigVarianceD.AsSpan(0, size / 2);
    foreach (var parametrization in Enum.GetValues<VarianceParametrization>())
    {
        foreach (double beta in new[] { 0.0, 0.5 })
        {
            foreach (var layout in new[] { VarianceLayout.Elementwise, VarianceLayout.Scalar })
            {
                var options = new GaussianNllOptions { Parametrization = parametrization, Beta = beta, VarianceLayout = layout };
                int varianceLength = layout == VarianceLayout.Scalar ? 1 : size;
                int varianceLengthD = layout == VarianceLayout.Scalar ? 1 : size / 2;
                check += GaussianNllLoss.ForwardBackward(x, y, v[..varianceLength], bigGradient, bigVarianceGradient[..varianceLength], options);
                check += GaussianNllLoss.ForwardBackward(xD, yD, vD[..varianceLengthD], bigGradientD, bigVarianceGradientD[..varianceLengthD], options);
                if (layout != VarianceLayout.Elementwise)
                {
                    continue;
                }

                GaussianNllLoss.ForwardElementwise(x, y, v, bigGradient, options);
                GaussianNllLoss.ForwardElementwise(xD, yD, vD, bigGradientD, options);
                GaussianNllLoss.Backward(x, y, v, bigGradient, bigVarianceGradient, options);
                GaussianNllLoss.Backward(xD, yD, vD, bigGradientD, bigVarianceGradientD, options);
                GaussianNllLoss.BackwardElementwise(x, y, v, y, bigGradient, bigVarianceGradient, options);
                GaussianNllLoss.BackwardElementwise(xD, yD, vD, yD, bigGradientD, bigVarianceGradientD, options);
                check += bigGradient[0] + bigGradientD[0] + bigVarianceGradient[0] + bigVarianceGradientD[0];
            }
        }
    }
}

Console.WriteLine(double.IsFinite(check) ? "Every kernel instantiation ran." : "A loss was not finite.");
return double.IsFinite(check) ? 0 : 1;

// length elements of a pinned array, starting one element past a 64-byte cache line.
static unsafe Span<T> OffLine<T>(T[] pinned, int length)
    where T : unmanaged
{
    fixed (T* start = pinned)
    {
        int perLine = 64 / sizeof(T);
        int first = (int)((nuint)start % 64 / (nuint)sizeof(T));
        return pinned.AsSpan((((1 - first) % perLine) + perLine) % perLine, length);
    }
}
