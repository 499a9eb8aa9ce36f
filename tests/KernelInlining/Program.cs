using System;
using GaussianNll;

// 1,031 elements: a Vector512 body, then Vector128 and scalar tails; every parametrization, with and without β, in
// float and double, through the elementwise (per-element variance) and scalar (shared variance) paths.
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
        }
    }
}

Console.WriteLine(double.IsFinite(check) ? "Every kernel instantiation ran." : "A loss was not finite.");
return double.IsFinite(check) ? 0 : 1;
