using System;
using System.Globalization;
using System.Linq;
using System.Numerics;
using System.Text.RegularExpressions;
using FluentAssertions;
using Xunit;

namespace GaussianNll.Tests;

/// <summary>
/// Bad arguments: the exception type and parameter name of every documented error, and that a call rejected in
/// validation changed nothing (inputs intact, outputs still holding their sentinels); the options' own checks; the
/// negative-variance error (which clears the outputs); and NaN, which is not an error but propagates.
/// </summary>
public class ValidationTests
{
    private const int Length = 12;

    private static readonly Method[] AllMethods = Enum.GetValues<Method>();

    // ---------------------------------------------------------------- options

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1e-6)]
    [InlineData(-double.Epsilon)]
    [InlineData(double.Epsilon)]
    [InlineData(1e-310)]
    [InlineData(2.2250738585072009e-308)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Epsilon_NotFiniteOrBelowSmallestNormalDouble_ThrowsWithPropertyName(double value)
    {
        Action act = () => _ = GaussianNllOptions.Default with { Epsilon = value };
        act.Should().ThrowExactly<ArgumentOutOfRangeException>().WithParameterName(nameof(GaussianNllOptions.Epsilon));
        Action init = () => _ = new GaussianNllOptions { Epsilon = value };
        init.Should().ThrowExactly<ArgumentOutOfRangeException>().WithParameterName(nameof(GaussianNllOptions.Epsilon));
    }

    [Fact]
    public void Epsilon_NegativeZero_ThrowsWithPropertyName()
    {
        Action act = () => _ = GaussianNllOptions.Default with { Epsilon = -0.0 };
        act.Should().ThrowExactly<ArgumentOutOfRangeException>().WithParameterName(nameof(GaussianNllOptions.Epsilon));
    }

    [Theory]
    [InlineData(2.2250738585072014e-308)]
    [InlineData(1e-300)]
    [InlineData(1e-6)]
    [InlineData(0.5)]
    [InlineData(1e300)]
    public void Epsilon_FiniteAndAtLeastSmallestNormalDouble_IsKept(double value) =>
        (GaussianNllOptions.Default with { Epsilon = value }).Epsilon.Should().Be(value);

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.1)]
    [InlineData(1.0000001)]
    [InlineData(-double.Epsilon)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Beta_OutsideZeroToOne_ThrowsWithPropertyName(double value)
    {
        Action act = () => _ = GaussianNllOptions.Default with { Beta = value };
        act.Should().ThrowExactly<ArgumentOutOfRangeException>().WithParameterName(nameof(GaussianNllOptions.Beta));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void Beta_InZeroToOne_IsKept(double value) =>
        (GaussianNllOptions.Default with { Beta = value }).Beta.Should().Be(value);

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    [InlineData(int.MinValue)]
    public void MaxDegreeOfParallelism_ZeroOrBelowMinusOne_ThrowsWithPropertyName(int value)
    {
        Action act = () => _ = GaussianNllOptions.Default with { MaxDegreeOfParallelism = value };
        act.Should().ThrowExactly<ArgumentOutOfRangeException>().WithParameterName(nameof(GaussianNllOptions.MaxDegreeOfParallelism));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    [InlineData(64)]
    public void MaxDegreeOfParallelism_PositiveOrMinusOne_IsKept(int value) =>
        (GaussianNllOptions.Default with { MaxDegreeOfParallelism = value }).MaxDegreeOfParallelism.Should().Be(value);

    [Theory]
    [InlineData(42)]
    [InlineData(-1)]
    [InlineData(2)]
    public void Reduction_UndefinedValue_ThrowsWithPropertyName(int value)
    {
        Action act = () => _ = GaussianNllOptions.Default with { Reduction = (Reduction)value };
        act.Should().ThrowExactly<ArgumentOutOfRangeException>().WithParameterName(nameof(GaussianNllOptions.Reduction));
    }

    [Theory]
    [InlineData(42)]
    [InlineData(-1)]
    [InlineData(4)]
    public void VarianceLayout_UndefinedValue_ThrowsWithPropertyName(int value)
    {
        Action act = () => _ = GaussianNllOptions.Default with { VarianceLayout = (VarianceLayout)value };
        act.Should().ThrowExactly<ArgumentOutOfRangeException>().WithParameterName(nameof(GaussianNllOptions.VarianceLayout));
    }

    [Theory]
    [InlineData(42)]
    [InlineData(-1)]
    [InlineData(3)]
    public void Parametrization_UndefinedValue_ThrowsWithPropertyName(int value)
    {
        Action act = () => _ = GaussianNllOptions.Default with { Parametrization = (VarianceParametrization)value };
        act.Should().ThrowExactly<ArgumentOutOfRangeException>().WithParameterName(nameof(GaussianNllOptions.Parametrization));
    }

    [Fact]
    public void Default_MatchesPyTorchDefaults()
    {
        var options = GaussianNllOptions.Default;
        options.Should().Be(new GaussianNllOptions());
        options.Reduction.Should().Be(Reduction.Mean);
        options.Full.Should().BeFalse();
        options.Epsilon.Should().Be(1e-6);
        options.VarianceLayout.Should().Be(VarianceLayout.Elementwise);
        options.Parametrization.Should().Be(VarianceParametrization.Variance);
        options.Beta.Should().Be(0);
        options.MaxDegreeOfParallelism.Should().Be(1);
    }

    [Fact]
    public void AllMethods_NullOptions_SameBitsAsDefault()
    {
        float[] input = [0.5f, -1.25f, 2f, 0.125f, 3f];
        float[] target = [0f, 1f, 1.5f, -0.5f, 2.75f];
        float[] variance = [0.5f, 2f, 1e-9f, 1f, 4f];
        float[] upstream = [1f, -2f, 0.5f, 0.25f, 3f];

        GaussianNllLoss.Forward(input, target, variance).Should().Be(GaussianNllLoss.Forward(input, target, variance, GaussianNllOptions.Default));

        var a = new float[5];
        var b = new float[5];
        GaussianNllLoss.ForwardElementwise(input, target, variance, a);
        GaussianNllLoss.ForwardElementwise(input, target, variance, b, GaussianNllOptions.Default);
        a.Should().Equal(b);

        var (ga, va, gb, vb) = (new float[5], new float[5], new float[5], new float[5]);
        GaussianNllLoss.Backward(input, target, variance, ga, va);
        GaussianNllLoss.Backward(input, target, variance, gb, vb, GaussianNllOptions.Default, 1f);
        ga.Should().Equal(gb);
        va.Should().Equal(vb);

        GaussianNllLoss.BackwardElementwise(input, target, variance, upstream, ga, va);
        GaussianNllLoss.BackwardElementwise(input, target, variance, upstream, gb, vb, GaussianNllOptions.Default);
        ga.Should().Equal(gb);
        va.Should().Equal(vb);

        GaussianNllLoss.ForwardBackward(input, target, variance, ga, va).Should().Be(GaussianNllLoss.ForwardBackward(input, target, variance, gb, vb, GaussianNllOptions.Default));
        ga.Should().Equal(gb);
        va.Should().Equal(vb);
    }

    // ---------------------------------------------------------------- lengths and overlaps

    /// <summary>Every single fault that validation must catch, per entry point, with the parameter it must name.</summary>
    public static TheoryData<string, Method, string> Faults()
    {
        var data = new TheoryData<string, Method, string>();
        foreach (string type in new[] { "float", "double" })
        {
            foreach (var method in AllMethods)
            {
                foreach (string fault in new[]
                {
                    "target-short", "target-long", "target-empty",
                    "variance-elementwise-short", "variance-elementwise-long", "variance-perrow-nondivisor", "variance-perrow-empty",
                    "variance-percolumn-nondivisor", "variance-percolumn-empty", "variance-percolumn-longer-than-input",
                    "variance-scalar-empty", "variance-scalar-two",
                })
                {
                    data.Add(type, method, fault);
                }

                if (method == Method.BackwardElementwise)
                {
                    data.Add(type, method, "outputGradient-short");
                    data.Add(type, method, "outputGradient-long");
                    data.Add(type, method, "outputGradient-empty");
                }

                if (method == Method.ForwardElementwise)
                {
                    // destination-short and -long come with every output below.
                    data.Add(type, method, "destination-empty");
                }

                foreach (string output in Workspace<float>.OutputsOf(method))
                {
                    data.Add(type, method, output + "-short");
                    data.Add(type, method, output + "-long");
                    foreach (string input in Workspace<float>.InputsOf(method))
                    {
                        data.Add(type, method, $"{output}-overlaps-{input}");
                        data.Add(type, method, $"{output}-is-{input}");
                    }
                }

                if (method is Method.Backward or Method.BackwardElementwise or Method.ForwardBackward)
                {
                    data.Add(type, method, "varianceGradient-overlaps-inputGradient");
                    data.Add(type, method, "inputGradient-is-varianceGradient");
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public void AllMethods_InvalidSpan_ThrowsArgumentExceptionNamingItAndChangesNothing(string type, Method method, string fault)
    {
        if (type == "float")
        {
            FaultRun<float>(method, fault);
        }
        else
        {
            FaultRun<double>(method, fault);
        }
    }

    /// <summary>The smallest normal float, 2^-126, the least ε float spans accept.</summary>
    private static readonly double SmallestNormalFloat = BitConverter.Int32BitsToSingle(0x00800000);

    [Theory]
    [InlineData(2.2250738585072014e-308)]
    [InlineData(1e-300)]
    [InlineData(1e-39)]
    [InlineData(2.9e-39)]
    [InlineData(1.1754942e-38)]
    public void FloatMethods_EpsilonBelowSmallestNormalFloat_ThrowOptionsOutOfRange_DoubleMethodsAccept(double epsilon)
    {
        epsilon.Should().BeLessThan(SmallestNormalFloat);
        var options = GaussianNllOptions.Default with { Epsilon = epsilon };
        foreach (var method in AllMethods)
        {
            var floats = new Workspace<float>(Length, Length);
            floats.TakeSnapshot();
            Action act = () => floats.Invoke(method, options);
            act.Should().ThrowExactly<ArgumentOutOfRangeException>($"{method} with float spans").WithParameterName("options");
            floats.Unchanged(out int at).Should().BeTrue($"{method} must change nothing (first change at {at})");

            var doubles = new Workspace<double>(Length, Length);
            Action ok = () => doubles.Invoke(method, options);
            ok.Should().NotThrow($"{method} with double spans can use ε = {epsilon}");
        }

        var accumulator = new GaussianNllAccumulator(options);
        Action add = () => accumulator.Add([1f], [0f], [1f]);
        add.Should().ThrowExactly<ArgumentOutOfRangeException>().WithParameterName("options");
        accumulator.Count.Should().Be(0);
    }

    [Theory]
    [InlineData(3.5e38)]
    [InlineData(1e300)]
    public void FloatMethods_EpsilonAboveFloatMaxValue_ThrowOptionsOutOfRange(double epsilon)
    {
        var options = GaussianNllOptions.Default with { Epsilon = epsilon };
        foreach (var method in AllMethods)
        {
            var floats = new Workspace<float>(Length, Length);
            floats.TakeSnapshot();
            Action act = () => floats.Invoke(method, options);
            act.Should().ThrowExactly<ArgumentOutOfRangeException>($"{method} with float spans").WithParameterName("options");
            floats.Unchanged(out int at).Should().BeTrue($"{method} must change nothing (first change at {at})");
        }
    }

    /// <summary>
    /// The smallest ε each type accepts keeps v normal and 1/v finite. With σ² = 0 (so v = ε) and a tiny residual,
    /// the loss and both gradients are finite: loss = ½ln ε, d/dμ = d/ε, d/dσ² = ½(1/ε − d²/ε²).
    /// </summary>
    [Fact]
    public void Backward_SmallestAcceptedEpsilon_ResultsAreFinite()
    {
        var floatOptions = GaussianNllOptions.Default with { Epsilon = SmallestNormalFloat, Reduction = Reduction.Sum };
        float[] input = [1e-30f, 0f];
        float[] zeros = [0f, 0f];
        var loss = new float[2];
        var inputGradient = new float[2];
        var varianceGradient = new float[2];
        GaussianNllLoss.ForwardElementwise(input, zeros, zeros, loss, floatOptions);
        GaussianNllLoss.Backward(input, zeros, zeros, inputGradient, varianceGradient, floatOptions);
        loss.Should().OnlyContain(x => float.IsFinite(x), "ln ε and d²/ε are finite");
        inputGradient.Should().OnlyContain(x => float.IsFinite(x), "d/ε is finite (the purpose of the minimum ε)");
        varianceGradient.Should().OnlyContain(x => float.IsFinite(x), "½(1/ε − d²/ε²) is finite in float");

        var doubleOptions = GaussianNllOptions.Default with { Epsilon = 2.2250738585072014e-308, Reduction = Reduction.Sum };
        double[] inputDouble = [1e-200, 0];
        double[] zerosDouble = [0, 0];
        var lossDouble = new double[2];
        var inputGradientDouble = new double[2];
        var varianceGradientDouble = new double[2];
        GaussianNllLoss.ForwardElementwise(inputDouble, zerosDouble, zerosDouble, lossDouble, doubleOptions);
        GaussianNllLoss.Backward(inputDouble, zerosDouble, zerosDouble, inputGradientDouble, varianceGradientDouble, doubleOptions);
        lossDouble.Should().OnlyContain(x => double.IsFinite(x));
        inputGradientDouble.Should().OnlyContain(x => double.IsFinite(x));
        varianceGradientDouble.Should().OnlyContain(x => double.IsFinite(x));
    }

    // ---------------------------------------------------------------- negative variance

    public static TheoryData<string, Method, VarianceLayout, VarianceParametrization, int> NegativeCases()
    {
        var data = new TheoryData<string, Method, VarianceLayout, VarianceParametrization, int>();
        foreach (string type in new[] { "float", "double" })
        {
            foreach (var method in AllMethods)
            {
                foreach (var layout in Enum.GetValues<VarianceLayout>())
                {
                    foreach (var parametrization in new[] { VarianceParametrization.Variance, VarianceParametrization.StandardDeviation })
                    {
                        // The first negative entry: the start, the middle (in the vector body), the last entry (in the tail).
                        int count = NegativeShape(layout).VarianceLength;
                        foreach (int first in new[] { 0, (count / 2) + 2, count - 1 }.Where(i => i < count).Distinct())
                        {
                            data.Add(type, method, layout, parametrization, first);
                        }
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(NegativeCases))]
    public void AllMethods_NegativeVariance_ThrowsNamingFirstIndexAndClearsOutputs(string type, Method method, VarianceLayout layout, VarianceParametrization parametrization, int first)
    {
        if (type == "float")
        {
            NegativeRun<float>(method, layout, parametrization, first);
        }
        else
        {
            NegativeRun<double>(method, layout, parametrization, first);
        }
    }

    [Theory]
    [InlineData(VarianceLayout.PerRow)]
    [InlineData(VarianceLayout.PerColumn)]
    [InlineData(VarianceLayout.Scalar)]
    public void Forward_EmptyInputWithNegativeVariance_Throws(VarianceLayout layout)
    {
        var options = GaussianNllOptions.Default with { VarianceLayout = layout };
        double[] variance = layout == VarianceLayout.Scalar ? [-1.0] : [1.0, -1.0, 2.0];
        Action act = () => GaussianNllLoss.Forward(ReadOnlySpan<double>.Empty, ReadOnlySpan<double>.Empty, variance, options);
        act.Should().ThrowExactly<ArgumentException>().WithParameterName("variance");
    }

    [Theory]
    [InlineData("float")]
    [InlineData("double")]
    public void AllMethods_NegativeZeroVariance_IsAccepted(string type)
    {
        foreach (var parametrization in new[] { VarianceParametrization.Variance, VarianceParametrization.StandardDeviation })
        {
            foreach (var method in AllMethods)
            {
                var options = GaussianNllOptions.Default with { Parametrization = parametrization };
                Action act = type == "float"
                    ? () => NegativeZero<float>(method, options)
                    : () => NegativeZero<double>(method, options);
                act.Should().NotThrow($"−0 is not negative ({method}, {parametrization})");
            }
        }
    }

    [Theory]
    [InlineData("float")]
    [InlineData("double")]
    public void AllMethods_NegativeLogVariance_IsValid(string type)
    {
        foreach (var method in AllMethods)
        {
            Action act = type == "float" ? () => AllNegativeLogVariance<float>(method) : () => AllNegativeLogVariance<double>(method);
            act.Should().NotThrow($"a log-variance may be any real number ({method})");
        }
    }

    // ---------------------------------------------------------------- NaN

    public static TheoryData<string, VarianceLayout, VarianceParametrization, string> NaNCases()
    {
        var data = new TheoryData<string, VarianceLayout, VarianceParametrization, string>();
        foreach (string type in new[] { "float", "double" })
        {
            foreach (var layout in Enum.GetValues<VarianceLayout>())
            {
                foreach (var parametrization in Enum.GetValues<VarianceParametrization>())
                {
                    foreach (string where in new[] { "input", "target", "variance", "outputGradient" })
                    {
                        data.Add(type, layout, parametrization, where);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(NaNCases))]
    public void AllMethods_NaN_PropagatesToTheResultsItTouchesOnly(string type, VarianceLayout layout, VarianceParametrization parametrization, string where)
    {
        if (type == "float")
        {
            NaNRun<float>(layout, parametrization, where);
        }
        else
        {
            NaNRun<double>(layout, parametrization, where);
        }
    }

    // ---------------------------------------------------------------- implementation

    private static void FaultRun<T>(Method method, string fault)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var layout = fault switch
        {
            _ when fault.StartsWith("variance-perrow", StringComparison.Ordinal) => VarianceLayout.PerRow,
            _ when fault.StartsWith("variance-percolumn", StringComparison.Ordinal) => VarianceLayout.PerColumn,
            _ when fault.StartsWith("variance-scalar", StringComparison.Ordinal) => VarianceLayout.Scalar,
            _ => VarianceLayout.Elementwise,
        };
        var options = GaussianNllOptions.Default with { VarianceLayout = layout, Reduction = Reduction.Sum };
        int varianceLength = layout switch
        {
            VarianceLayout.PerRow => 4,
            VarianceLayout.PerColumn => 3,
            VarianceLayout.Scalar => 1,
            _ => Length,
        };
        var ws = new Workspace<T>(Length, varianceLength);
        string[] expectedNames;
        string[] parts = fault.Split('-');
        switch (fault)
        {
            case "target-short": ws.Resize(Workspace<T>.Target, Length - 1); expectedNames = ["target"]; break;
            case "target-long": ws.Resize(Workspace<T>.Target, Length + 1); expectedNames = ["target"]; break;
            case "target-empty": ws.Resize(Workspace<T>.Target, 0); expectedNames = ["target"]; break;
            case "variance-elementwise-short": ws.Resize(Workspace<T>.Variance, Length - 1); expectedNames = ["variance"]; break;
            case "variance-elementwise-long": ws.Resize(Workspace<T>.Variance, Length + 1); expectedNames = ["variance"]; break;
            case "variance-perrow-nondivisor": ws.Resize(Workspace<T>.Variance, 5); expectedNames = ["variance"]; break;
            case "variance-perrow-empty": ws.Resize(Workspace<T>.Variance, 0); expectedNames = ["variance"]; break;
            case "variance-percolumn-nondivisor": ws.Resize(Workspace<T>.Variance, 5); expectedNames = ["variance"]; break;
            case "variance-percolumn-empty": ws.Resize(Workspace<T>.Variance, 0); expectedNames = ["variance"]; break;
            case "variance-percolumn-longer-than-input": ws.Resize(Workspace<T>.Variance, 2 * Length); expectedNames = ["variance"]; break;
            case "variance-scalar-empty": ws.Resize(Workspace<T>.Variance, 0); expectedNames = ["variance"]; break;
            case "variance-scalar-two": ws.Resize(Workspace<T>.Variance, 2); expectedNames = ["variance"]; break;
            case "varianceGradient-overlaps-inputGradient":
                // The variance gradient starts on the input gradient's last element.
                ws.Place(Workspace<T>.VarianceGradient, ws.OffsetOf(Workspace<T>.InputGradient) + Length - 1, varianceLength);
                expectedNames = ["inputGradient", "varianceGradient"];
                break;
            case "inputGradient-is-varianceGradient":
                // Elementwise: both have the input's length, so they can be the very same span.
                ws.Place(Workspace<T>.InputGradient, ws.OffsetOf(Workspace<T>.VarianceGradient), Length);
                expectedNames = ["inputGradient", "varianceGradient"];
                break;
            default:
                string output = parts[0];
                if (parts[1] is "short" or "long" or "empty")
                {
                    int expected = output == Workspace<T>.VarianceGradient ? varianceLength : Length;
                    ws.Resize(output, parts[1] switch { "short" => expected - 1, "long" => expected + 1, _ => 0 });
                    expectedNames = [output];
                }
                else
                {
                    // "-overlaps-": the output starts on the input's second element; "-is-": the very same span.
                    string input = parts[2];
                    int length = output == Workspace<T>.VarianceGradient ? varianceLength : Length;
                    ws.Place(output, ws.OffsetOf(input) + (parts[1] == "overlaps" ? 1 : 0), length);
                    expectedNames = [output];
                }

                break;
        }

        ws.TakeSnapshot();
        Action act = () => ws.Invoke(method, options);
        var thrown = act.Should().ThrowExactly<ArgumentException>($"{method}: {fault}").Which;
        thrown.ParamName.Should().BeOneOf(expectedNames, $"{method}: {fault} ({thrown.Message})");
        ws.Unchanged(out int at).Should().BeTrue($"{method} must validate before it writes anything (first change at array index {at})");
    }

    private static Shape NegativeShape(VarianceLayout layout) => layout switch
    {
        VarianceLayout.PerRow => new Shape(layout, 10, 5),
        VarianceLayout.PerColumn => new Shape(layout, 5, 16), // with AVX-512, float's variance per lane
        _ => Shape.Flat(layout, 50),
    };

    private static void NegativeRun<T>(Method method, VarianceLayout layout, VarianceParametrization parametrization, int first)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var shape = NegativeShape(layout);
        var options = GaussianNllOptions.Default with { VarianceLayout = layout, Parametrization = parametrization };
        var ws = new Workspace<T>(shape.Length, shape.VarianceLength, parametrization, seed: first);
        var variance = ws[Workspace<T>.Variance];
        variance[first] = T.CreateTruncating(-0.25);
        if (first + 2 < variance.Length)
        {
            variance[first + 2] = T.CreateTruncating(-1e-30);
        }

        ws.TakeSnapshot();
        Action act = () => ws.Invoke(method, options);
        var thrown = act.Should().ThrowExactly<ArgumentException>().WithParameterName("variance").Which;
        Regex.IsMatch(thrown.Message, $@"\b{first.ToString(CultureInfo.InvariantCulture)}\b").Should().BeTrue($"the message names the first negative index {first}: {thrown.Message}");
        if (first + 2 < variance.Length)
        {
            Regex.IsMatch(thrown.Message, $@"\b{(first + 2).ToString(CultureInfo.InvariantCulture)}\b").Should().BeFalse($"only the first negative index is named: {thrown.Message}");
        }

        // The method's outputs are all +0; nothing else changed (inputs, other spans, the gaps between spans).
        var mismatches = new Mismatches();
        var outputs = Workspace<T>.OutputsOf(method);
        foreach (string output in outputs)
        {
            var span = ws[output];
            for (int i = 0; i < span.Length; i++)
            {
                if (!Numbers.SameBits(span[i], T.Zero))
                {
                    mismatches.Add($"{output}[{i}] = {span[i]}, expected +0");
                    break;
                }
            }

            // Put the sentinels back so that the comparison with the snapshot covers everything else.
            span.Fill(Guarded<T>.Sentinel);
        }

        mismatches.True(ws.Unchanged(out int at), $"something other than the outputs changed (array index {at})");
        mismatches.ThrowIfAny($"{Api<T>.Name} {method} {shape} {parametrization} first negative {first}");
    }

    private static void NegativeZero<T>(Method method, GaussianNllOptions options)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var ws = new Workspace<T>(Length, Length);
        ws[Workspace<T>.Variance].Fill(T.NegativeZero);
        ws.Invoke(method, options);
    }

    private static void AllNegativeLogVariance<T>(Method method)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var ws = new Workspace<T>(Length, Length, VarianceParametrization.LogVariance);
        var variance = ws[Workspace<T>.Variance];
        for (int i = 0; i < variance.Length; i++)
        {
            variance[i] = T.CreateTruncating(-0.5 - i);
        }

        ws.Invoke(method, GaussianNllOptions.Default with { Parametrization = VarianceParametrization.LogVariance });
        if (method == Method.ForwardElementwise)
        {
            foreach (T value in ws[Workspace<T>.Destination])
            {
                T.IsFinite(value).Should().BeTrue();
            }
        }
    }

    private static void NaNRun<T>(VarianceLayout layout, VarianceParametrization parametrization, string where)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var shape = layout switch
        {
            VarianceLayout.PerRow => new Shape(layout, 6, 7),
            VarianceLayout.PerColumn => new Shape(layout, 6, 7),
            _ => Shape.Flat(layout, 42),
        };
        var mismatches = new Mismatches();
        foreach (double beta in new[] { 0, 0.5 })
        {
            var options = GaussianNllOptions.Default with { VarianceLayout = layout, Parametrization = parametrization, Beta = beta };
            var problem = Problem<T>.Create(new Random(5), shape, options);
            var input = problem.Input.ToArray();
            var target = problem.Target.ToArray();
            var variance = problem.Variance.ToArray();
            int columns = Reference.Columns(layout, shape.Length, shape.VarianceLength);

            // Poison one element (or one variance entry) in the middle; the elements it touches must be NaN, the
            // others not. A NaN upstream gradient only touches BackwardElementwise's gradients.
            var upstream = problem.OutputGradient.ToArray();
            int position = where == "variance" ? shape.VarianceLength / 2 : (shape.Length / 2) + 1;
            (where switch { "input" => input, "target" => target, "outputGradient" => upstream, _ => variance })[position] = T.NaN;
            bool lossTouched = where != "outputGradient";
            bool Touched(int i) => where == "variance" ? Reference.VarianceIndex(layout, i, columns) == position : i == position;
            bool EntryTouched(int k)
            {
                for (int i = 0; i < shape.Length; i++)
                {
                    if (Touched(i) && Reference.VarianceIndex(layout, i, columns) == k)
                    {
                        return true;
                    }
                }

                return false;
            }

            string at = $"{Api<T>.Name} {shape} {parametrization} beta={beta} NaN in {where}[{position}]";
            foreach (var reduction in new[] { Reduction.Mean, Reduction.Sum })
            {
                T loss = Api<T>.Forward(input, target, variance, options with { Reduction = reduction });
                mismatches.True(T.IsNaN(loss) == lossTouched, $"{at}: Forward({reduction}) = {loss}");
            }

            var destination = new T[shape.Length];
            Api<T>.ForwardElementwise(input, target, variance, destination, options);
            for (int i = 0; i < shape.Length; i++)
            {
                mismatches.True(T.IsNaN(destination[i]) == (lossTouched && Touched(i)), $"{at}: loss[{i}] = {destination[i]}");
            }

            var inputGradient = new T[shape.Length];
            var varianceGradient = new T[shape.VarianceLength];
            T both = Api<T>.ForwardBackward(input, target, variance, inputGradient, varianceGradient, options);
            mismatches.True(T.IsNaN(both) == lossTouched, $"{at}: ForwardBackward = {both}");
            CheckGradients("ForwardBackward", lossTouched);

            Api<T>.Backward(input, target, variance, inputGradient, varianceGradient, options, T.One);
            CheckGradients("Backward", lossTouched);

            Api<T>.BackwardElementwise(input, target, variance, upstream, inputGradient, varianceGradient, options);
            CheckGradients("BackwardElementwise", true);

            void CheckGradients(string method, bool touches)
            {
                for (int i = 0; i < shape.Length; i++)
                {
                    mismatches.True(T.IsNaN(inputGradient[i]) == (touches && Touched(i)), $"{at}: {method} inputGradient[{i}] = {inputGradient[i]}");
                }

                for (int k = 0; k < shape.VarianceLength; k++)
                {
                    mismatches.True(T.IsNaN(varianceGradient[k]) == (touches && EntryTouched(k)), $"{at}: {method} varianceGradient[{k}] = {varianceGradient[k]}");
                }
            }
        }

        mismatches.ThrowIfAny("NaN propagation");
    }
}
