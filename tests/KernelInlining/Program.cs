using System;
using GaussianNll;

// 1,031 elements: a Vector512 body, then Vector128 and scalar tails; every parametrization, with and without β, in
// float and double, through the elementwise (per-element variance) and scalar (shared variance) paths, by every entry
// point (each compiles its own loop; see KernelOutputs); and short rows (8, 16 and 17 columns, per row and per
// column), which run the loop on prepared 1/v (and Σ ln v) when β = 0, or with the variance held per lane (per column,
// rows one vector wide).
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
        foreach (var layout in new[] { VarianceLayout.Elementwise, VarianceLayout.Scalar })
        {
            var options = new GaussianNllOptions { Parametrization = parametrization, Beta = beta, VarianceLayout = layout };
            int varianceLength = layout == VarianceLayout.Scalar ? 1 : Length;
            check += GaussianNllLoss.ForwardBackward(input, target, variance.AsSpan(0, varianceLength), inputGradient, varianceGradient.AsSpan(0, varianceLength), options);
            check += GaussianNllLoss.ForwardBackward(inputD, targetD, varianceD.AsSpan(0, varianceLength), inputGradientD, varianceGradientD.AsSpan(0, varianceLength), options);
            if (layout != VarianceLayout.Elementwise)
            {
                continue;
            }

            check += GaussianNllLoss.Forward(input, target, variance, options);
            check += GaussianNllLoss.Forward(inputD, targetD, varianceD, options);
            GaussianNllLoss.ForwardElementwise(input, target, variance, losses, options);
            GaussianNllLoss.ForwardElementwise(inputD, targetD, varianceD, lossesD, options);
            GaussianNllLoss.Backward(input, target, variance, inputGradient, varianceGradient, options);
            GaussianNllLoss.Backward(inputD, targetD, varianceD, inputGradientD, varianceGradientD, options);
            GaussianNllLoss.BackwardElementwise(input, target, variance, outputGradient, inputGradient, varianceGradient, options);
            GaussianNllLoss.BackwardElementwise(inputD, targetD, varianceD, outputGradientD, inputGradientD, varianceGradientD, options);
            check += losses[0] + lossesD[0] + inputGradient[0] + inputGradientD[0] + varianceGradient[0] + varianceGradientD[0];
        }
    }
}

// Short rows: rows of 16 and 8 (per row, the prepared loop with one entry per Vector512 of float and of double; per
// column, the variance held per lane) and 60 rows of 17 (1,020 elements: every narrower width of the prepared loop,
// and of the preparation of 60 row and 17 column variances).
foreach (var parametrization in Enum.GetValues<VarianceParametrization>())
{
    foreach (var layout in new[] { VarianceLayout.PerRow, VarianceLayout.PerColumn })
    {
        foreach (int columns in new[] { 8, 16, 17 })
        {
            var options = new GaussianNllOptions { Parametrization = parametrization, VarianceLayout = layout };
            int rows = 1024 / columns, length = rows * columns;
            int varianceLength = layout == VarianceLayout.PerRow ? rows : columns;
            check += GaussianNllLoss.ForwardBackward(input.AsSpan(0, length), target.AsSpan(0, length), variance.AsSpan(0, varianceLength), inputGradient.AsSpan(0, length), varianceGradient.AsSpan(0, varianceLength), options);
            check += GaussianNllLoss.ForwardBackward(inputD.AsSpan(0, length), targetD.AsSpan(0, length), varianceD.AsSpan(0, varianceLength), inputGradientD.AsSpan(0, length), varianceGradientD.AsSpan(0, varianceLength), options);
        }
    }
}

Console.WriteLine(double.IsFinite(check) ? "Every kernel instantiation ran." : "A loss was not finite.");
return double.IsFinite(check) ? 0 : 1;
