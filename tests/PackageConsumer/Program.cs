using System;
using System.Globalization;
using System.Reflection;
using System.Runtime.Intrinsics;
using GaussianNll;

// Calls the packaged GaussianNll the way a user would and checks the answers against the formula, computed here
// in double: per element, with v = max(σ², ε) and d = μ − y, loss = ½(ln v + d²/v), d/dμ = d/v and
// d/dσ² = ½(1/v − d²/v²); the mean reduction divides all three by the length.
// Usage: PackageConsumer [--expect-widest BITS]   (BITS: the widest accelerated vector, 512, 256, 128 or 0)
// Exits 1 on a wrong answer, 2 on a wrong SIMD width.

var assembly = typeof(GaussianNllLoss).Assembly;
string version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
int widest = Vector512.IsHardwareAccelerated ? 512
    : Vector256.IsHardwareAccelerated ? 256
    : Vector128.IsHardwareAccelerated ? 128
    : 0;
Console.WriteLine($"GaussianNll {version} ({assembly.Location})");
Console.WriteLine($"Widest accelerated vector: {widest} bits");

if (args.Length == 2 && args[0] == "--expect-widest")
{
    int expected = int.Parse(args[1], CultureInfo.InvariantCulture);
    if (widest != expected)
    {
        Console.WriteLine($"FAIL: expected the widest accelerated vector to be {expected} bits, got {widest}");
        return 2;
    }
}
else if (args.Length != 0)
{
    Console.WriteLine("usage: PackageConsumer [--expect-widest BITS]");
    return 2;
}

int passed = 0;
int failed = 0;

// 1 element; 31 = 16 + 8 + 4 + 3 floats runs every vector width and the scalar tail; 3000 spans several sum blocks.
foreach (int length in new[] { 1, 31, 3000 })
{
    foreach (var reduction in new[] { Reduction.Mean, Reduction.Sum })
    {
        var options = GaussianNllOptions.Default with { Reduction = reduction };
        double[] input = new double[length];
        double[] target = new double[length];
        double[] variance = new double[length];
        for (int i = 0; i < length; i++)
        {
            input[i] = Math.Sin(i + 1.0);
            target[i] = Math.Cos(0.7 * i);
            // Index 5 has σ² = 0, below ε: the loss and both gradients use v = ε there, as in PyTorch.
            variance[i] = i == 5 ? 0.0 : 0.1 + (0.3 * (i % 7));
        }

        Check(length, reduction, "double", input, target, variance, options, isFloat: false, ref passed, ref failed);
        Check(length, reduction, "float", input, target, variance, options, isFloat: true, ref passed, ref failed);
    }
}

Console.WriteLine(failed == 0
    ? $"PackageConsumer OK: all {passed} checks passed"
    : $"PackageConsumer FAILED: {failed} of {passed + failed} checks failed");
return failed == 0 ? 0 : 1;

static void Check(int length, Reduction reduction, string type, double[] input, double[] target, double[] variance,
    GaussianNllOptions options, bool isFloat, ref int passed, ref int failed)
{
    // The reference, in double, from the values the library actually sees (rounded to float for float).
    Func<double, double> round = isFloat ? x => (float)x : x => x;
    double scale = reduction == Reduction.Mean ? 1.0 / length : 1.0;
    double loss = 0;
    double lossMagnitude = 0;
    double[] inputGradient = new double[length];
    double[] varianceGradient = new double[length];
    double[] inputGradientMagnitude = new double[length];
    double[] varianceGradientMagnitude = new double[length];
    double epsilon = round(options.Epsilon);
    for (int i = 0; i < length; i++)
    {
        double v = Math.Max(round(variance[i]), epsilon);
        double d = round(input[i]) - round(target[i]);
        loss += 0.5 * (Math.Log(v) + (d * d / v));
        lossMagnitude += 0.5 * (Math.Abs(Math.Log(v)) + (d * d / v));
        inputGradient[i] = scale * d / v;
        inputGradientMagnitude[i] = Math.Abs(inputGradient[i]);
        varianceGradient[i] = scale * 0.5 * ((1 / v) - (d * d / (v * v)));
        varianceGradientMagnitude[i] = scale * 0.5 * ((1 / v) + (d * d / (v * v)));
    }

    loss *= scale;
    lossMagnitude *= scale;

    double gotLoss;
    double gotForward;
    double[] gotInputGradient = new double[length];
    double[] gotVarianceGradient = new double[length];
    if (isFloat)
    {
        float[] fi = Array.ConvertAll(input, x => (float)x);
        float[] ft = Array.ConvertAll(target, x => (float)x);
        float[] fv = Array.ConvertAll(variance, x => (float)x);
        float[] gi = new float[length];
        float[] gv = new float[length];
        gotLoss = GaussianNllLoss.ForwardBackward(fi, ft, fv, gi, gv, options);
        gotForward = GaussianNllLoss.Forward(fi, ft, fv, options);
        gotInputGradient = Array.ConvertAll(gi, x => (double)x);
        gotVarianceGradient = Array.ConvertAll(gv, x => (double)x);
    }
    else
    {
        gotLoss = GaussianNllLoss.ForwardBackward(input, target, variance, gotInputGradient, gotVarianceGradient, options);
        gotForward = GaussianNllLoss.Forward(input, target, variance, options);
    }

    // Relative to the size of the terms summed, so that cancellation cannot make a correct answer look wrong.
    double tolerance = isFloat ? 1e-5 : 1e-12;
    string name = $"{type} length {length} {reduction}";
    var errors = new System.Collections.Generic.List<string>();
    if (!Close(gotLoss, loss, lossMagnitude, tolerance))
    {
        errors.Add($"ForwardBackward loss {gotLoss:R}, expected {loss:R}");
    }

    if (!Close(gotForward, loss, lossMagnitude, tolerance))
    {
        errors.Add($"Forward loss {gotForward:R}, expected {loss:R}");
    }

    for (int i = 0; i < length && errors.Count < 5; i++)
    {
        if (!Close(gotInputGradient[i], inputGradient[i], inputGradientMagnitude[i], tolerance))
        {
            errors.Add($"d/dinput[{i}] {gotInputGradient[i]:R}, expected {inputGradient[i]:R}");
        }

        if (!Close(gotVarianceGradient[i], varianceGradient[i], varianceGradientMagnitude[i], tolerance))
        {
            errors.Add($"d/dvariance[{i}] {gotVarianceGradient[i]:R}, expected {varianceGradient[i]:R}");
        }
    }

    if (errors.Count == 0)
    {
        passed++;
        Console.WriteLine($"  ok   {name}: loss {gotLoss:G9}");
    }
    else
    {
        failed++;
        Console.WriteLine($"  FAIL {name}: {string.Join("; ", errors)}");
    }
}

static bool Close(double got, double expected, double magnitude, double tolerance) =>
    Math.Abs(got - expected) <= tolerance * Math.Max(magnitude, 1e-300);
