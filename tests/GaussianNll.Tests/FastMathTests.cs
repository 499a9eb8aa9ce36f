using System;
using System.Numerics;
using System.Runtime.Intrinsics;
using FluentAssertions;
using GaussianNll.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace GaussianNll.Tests;

/// <summary>
/// The kernel's own logarithm and exponential, swept densely over every binary exponent of the normal
/// range of float and double at every vector width (the kernel never takes the logarithm of a subnormal: ε is normal), against the runtime's <see cref="Math"/> (double) functions. The bounds are the ones
/// the XML docs of <see cref="FastMath"/> state.
/// </summary>
public class FastMathTests(ITestOutputHelper output)
{
    /// <summary>Stated bounds, in units in the last place of the result.</summary>
    private const double FloatLogUlps = 1.0;
    private const double DoubleLogUlps = 1.0;
    /// <summary>
    /// Cephes' expf is not quite within 1 ulp: a check of every float in [−87.3, 88.7] on the Vector512 path found
    /// 1.010 ulp at x = −5.8778844 (the sweep below includes that point).
    /// </summary>
    private const double FloatExpUlps = 1.02;
    private const double DoubleExpUlps = 1.0;

    /// <summary>Significands sampled per binade: every exponent of float is swept 2048 ways, of double 512 ways.</summary>
    private static int SamplesPerExponent<T>() => typeof(T) == typeof(float) ? 2048 : 512;

    public static TheoryData<string> Widths => ["Vector512", "Vector256", "Vector128", "Scalar"];

    [Theory]
    [MemberData(nameof(Widths))]
    public void Log_Float_EveryExponent_WithinStatedUlps(string width)
    {
        if (!Runs(width))
        {
            return;
        }

        // Plus the worst inputs tools/LogUlpCheck finds over every normal float, fused (every width: 0.972 ulp at
        // 0.37403086; the second worst, 0.969, at 0.37428978) and unfused (Vector128 without AVX: 0.928 ulp at 1.4743572,
        // 0.916 at 0.7475881), and the worst of earlier forms of the logarithm (0.37363473, 0.3748435, 0.7434501,
        // 0.74647444): all near an end of the significand range [0.75, 1.5).
        float[] inputs =
        [
            .. PositiveSweep<float>(-126, 127),
            0.37403086f, 0.37428978f, 1.4743572f, 0.7475881f, 0.37363473f, 0.3748435f, 0.7434501f, 0.74647444f,
        ];
        double worst = MaxUlps(width, inputs, default(LogFunction), x => Math.Log(x));
        output.WriteLine($"{width}: float log max error {worst:F3} ulp over {inputs.Length} inputs");
        worst.Should().BeLessThanOrEqualTo(FloatLogUlps);
    }

    /// <summary>
    /// The kernel's loops take the logarithm with <see cref="LogCoefficients{T, TVector}.Hoisted"/>, read from an array;
    /// everything else with <see cref="LogCoefficients{T, TVector}.Literals"/>. Both must give the same bits.
    /// </summary>
    [Theory]
    [MemberData(nameof(Widths))]
    public void Log_HoistedCoefficients_SameBitsAsLiterals(string width)
    {
        if (!Runs(width))
        {
            return;
        }

        float[] floats = PositiveSweep<float>(-126, 127);
        var floatLiterals = Apply(width, floats, default(LogFunction));
        var floatHoisted = Apply(width, floats, default(HoistedLogFunction));
        double[] doubles = PositiveSweep<double>(-1022, 1023);
        var doubleLiterals = Apply(width, doubles, default(LogFunction));
        var doubleHoisted = Apply(width, doubles, default(HoistedLogFunction));

        int floatDifferences = 0;
        for (int i = 0; i < floats.Length; i++)
        {
            floatDifferences += BitConverter.SingleToInt32Bits(floatHoisted[i]) == BitConverter.SingleToInt32Bits(floatLiterals[i]) ? 0 : 1;
        }

        int doubleDifferences = 0;
        for (int i = 0; i < doubles.Length; i++)
        {
            doubleDifferences += BitConverter.DoubleToInt64Bits(doubleHoisted[i]) == BitConverter.DoubleToInt64Bits(doubleLiterals[i]) ? 0 : 1;
        }

        floatDifferences.Should().Be(0, "the float logarithm must not depend on where its coefficients come from");
        doubleDifferences.Should().Be(0, "the double logarithm must not depend on where its coefficients come from");
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Log_Double_EveryExponent_WithinStatedUlps(string width)
    {
        if (!Runs(width))
        {
            return;
        }

        var inputs = PositiveSweep<double>(-1022, 1023);
        double worst = MaxUlps(width, inputs, default(LogFunction), Math.Log);
        output.WriteLine($"{width}: double log max error {worst:F3} ulp over {inputs.Length} inputs");
        worst.Should().BeLessThanOrEqualTo(DoubleLogUlps);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Exp_Float_WholeRange_WithinStatedUlps(string width)
    {
        if (!Runs(width))
        {
            return;
        }

        // e^x is a normal float for x in about [-87.3, 88.7]; the sweep covers every binade of the result, plus the
        // worst input an exhaustive check found.
        float[] inputs = [.. LinearSweep<float>(-87.3, 88.7, 400_000), -5.8778844f];
        double worst = MaxUlps(width, inputs, default(ExpFunction), x => Math.Exp(x));
        output.WriteLine($"{width}: float exp max error {worst:F3} ulp over {inputs.Length} inputs");
        worst.Should().BeLessThanOrEqualTo(FloatExpUlps);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Exp_Double_WholeRange_WithinStatedUlps(string width)
    {
        if (!Runs(width))
        {
            return;
        }

        var inputs = LinearSweep<double>(-708.3, 709.7, 400_000);
        double worst = MaxUlps(width, inputs, default(ExpFunction), Math.Exp);
        output.WriteLine($"{width}: double exp max error {worst:F3} ulp over {inputs.Length} inputs");
        worst.Should().BeLessThanOrEqualTo(DoubleExpUlps);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void SpecialValues_FollowIeee(string width)
    {
        if (!Runs(width))
        {
            return;
        }

        float[] logIn = [float.PositiveInfinity, float.NaN, 1f, 1.17549435e-38f];
        var log = Apply(width, logIn, default(LogFunction));
        log[0].Should().Be(float.PositiveInfinity);
        float.IsNaN(log[1]).Should().BeTrue();
        log[2].Should().Be(0f);
        log[3].Should().Be((float)Math.Log(1.17549435e-38));

        double[] logInDouble = [double.PositiveInfinity, double.NaN, 1, 2.2250738585072014e-308];
        var logDouble = Apply(width, logInDouble, default(LogFunction));
        logDouble[0].Should().Be(double.PositiveInfinity);
        double.IsNaN(logDouble[1]).Should().BeTrue();
        logDouble[2].Should().Be(0);
        logDouble[3].Should().BeApproximately(Math.Log(2.2250738585072014e-308), 1e-12);

        double[] expIn = [double.NegativeInfinity, double.PositiveInfinity, double.NaN, 0, -800, 800];
        var exp = Apply(width, expIn, default(ExpFunction));
        exp[0].Should().Be(0);
        exp[1].Should().Be(double.PositiveInfinity);
        double.IsNaN(exp[2]).Should().BeTrue();
        exp[3].Should().Be(1);
        exp[4].Should().Be(0);
        exp[5].Should().Be(double.PositiveInfinity);
    }

    /// <summary>Whether <paramref name="width"/> runs on this machine; a width that does not is never selected by the library.</summary>
    private bool Runs(string width)
    {
        bool runs = width switch
        {
            "Vector512" => Vec512<float>.IsHardwareAccelerated,
            "Vector256" => Vector256.IsHardwareAccelerated,
            "Vector128" => Vector128.IsHardwareAccelerated,
            _ => true,
        };
        if (!runs)
        {
            output.WriteLine($"{width} is not accelerated here: nothing to measure.");
        }

        return runs;
    }

    private static T[] Apply<T, TFunction>(string width, T[] inputs, TFunction function)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TFunction : IVectorFunction
    {
        var result = new T[inputs.Length];
        switch (width)
        {
            case "Vector512":
                Run<T, Vec512<T>, TFunction>(inputs, result, function);
                break;
            case "Vector256":
                Run<T, Vec256<T>, TFunction>(inputs, result, function);
                break;
            case "Vector128":
                Run<T, Vec128<T>, TFunction>(inputs, result, function);
                break;
            default:
                Run<T, Scalar<T>, TFunction>(inputs, result, function);
                break;
        }

        return result;
    }

    private static double MaxUlps<T, TFunction>(string width, T[] inputs, TFunction function, Func<double, double> reference)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TFunction : IVectorFunction
    {
        var actual = Apply(width, inputs, function);
        double worst = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            double expected = reference(double.CreateTruncating(inputs[i]));
            double ulp = double.CreateTruncating(Ulp(T.CreateTruncating(expected)));
            double error = Math.Abs(double.CreateTruncating(actual[i]) - expected) / ulp;
            worst = Math.Max(worst, double.IsNaN(error) ? double.PositiveInfinity : error);
        }

        return worst;
    }

    private static void Run<T, TVector, TFunction>(T[] inputs, T[] result, TFunction function)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T>
        where TFunction : IVectorFunction
    {
        int count = TVector.Count;
        var padded = new T[(inputs.Length + count - 1) / count * count];
        padded.AsSpan().Fill(T.One);
        inputs.CopyTo(padded, 0);
        var output = new T[padded.Length];
        for (int i = 0; i < padded.Length; i += count)
        {
            TVector.Store(function.Invoke<T, TVector>(TVector.Load(in padded[0], (nuint)i)), ref output[0], (nuint)i);
        }

        Array.Copy(output, result, result.Length);
    }

    /// <summary>The spacing of <typeparamref name="T"/> at <paramref name="value"/>'s magnitude (the smallest subnormal near zero).</summary>
    private static T Ulp<T>(T value)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var magnitude = T.Abs(value);
        var next = T.BitIncrement(magnitude);
        return T.IsFinite(next) ? next - magnitude : magnitude - T.BitDecrement(magnitude);
    }

    /// <summary>For every binary exponent in [min, max], <see cref="SamplesPerExponent{T}"/> evenly spaced significands plus the binade's ends.</summary>
    private static T[] PositiveSweep<T>(int minExponent, int maxExponent)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var values = new System.Collections.Generic.List<T>();
        for (int e = minExponent; e <= maxExponent; e++)
        {
            var low = T.ScaleB(T.One, e);
            values.Add(low);
            values.Add(T.BitDecrement(low + low));
            int samples = SamplesPerExponent<T>();
            for (int i = 1; i < samples; i++)
            {
                var value = low * (T.One + (T.CreateTruncating(i) / T.CreateTruncating(samples)));
                if (T.IsFinite(value) && value > T.Zero)
                {
                    values.Add(value);
                }
            }
        }

        return [.. values];
    }

    private static T[] LinearSweep<T>(double from, double to, int count)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var values = new T[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = T.CreateTruncating(from + ((to - from) * i / (count - 1)));
        }

        return values;
    }

    /// <summary>A function of a vector, generic over the element type and the width.</summary>
    private interface IVectorFunction
    {
        TVector Invoke<T, TVector>(TVector x)
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
            where TVector : struct, ISimdVector<TVector, T>;
    }

    private readonly struct LogFunction : IVectorFunction
    {
        public TVector Invoke<T, TVector>(TVector x)
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
            where TVector : struct, ISimdVector<TVector, T> => FastMath.Log<T, TVector>(x);
    }

    private readonly struct HoistedLogFunction : IVectorFunction
    {
        public TVector Invoke<T, TVector>(TVector x)
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
            where TVector : struct, ISimdVector<TVector, T> => FastMath.Log(x, LogCoefficients<T, TVector>.Hoisted());
    }

    private readonly struct ExpFunction : IVectorFunction
    {
        public TVector Invoke<T, TVector>(TVector x)
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
            where TVector : struct, ISimdVector<TVector, T> => FastMath.Exp<T, TVector>(x);
    }
}
