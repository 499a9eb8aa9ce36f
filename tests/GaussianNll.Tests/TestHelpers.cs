using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using System.Text;
using Xunit;
using Xunit.Sdk;

namespace GaussianNll.Tests;

/// <summary>A shape of the [rows, columns] view and the layout of the variance over it.</summary>
internal sealed record Shape(VarianceLayout Layout, int Rows, int Columns)
{
    public int Length => Rows * Columns;

    public int VarianceLength => Layout switch
    {
        VarianceLayout.Elementwise => Length,
        VarianceLayout.PerRow => Rows,
        VarianceLayout.PerColumn => Columns,
        _ => 1,
    };

    /// <summary>An elementwise or scalar layout over <paramref name="length"/> elements (one row).</summary>
    public static Shape Flat(VarianceLayout layout, int length) => new(layout, 1, length);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Layout}[{Rows}x{Columns}]");
}

/// <summary>
/// Error bounds in units of the unit roundoff u of the element type, relative to the size of the terms a value is
/// made of (never relative to the value itself, which can be near zero by cancellation).
/// </summary>
/// <summary>Theory data that several test classes share.</summary>
public static class TheoryCases
{
    /// <summary>float and double, each with every variance layout.</summary>
    public static TheoryData<string, VarianceLayout> TypesAndLayouts()
    {
        var data = new TheoryData<string, VarianceLayout>();
        foreach (string type in new[] { "float", "double" })
        {
            foreach (var layout in Enum.GetValues<VarianceLayout>())
            {
                data.Add(type, layout);
            }
        }

        return data;
    }
}

internal static class Tolerance
{
    /// <summary>
    /// One element computed in T. The longest chain of roundings is the σ parametrization's variance gradient:
    /// d, σ², 1/v, d/v, (d/v)², the difference, ×σ, the scale and its product: about 13 roundings to first order;
    /// a log or exp adds a few ulps of its result. The reference's own error (double) is far below this for float
    /// and about 2u for double.
    /// </summary>
    public const double ElementUlps = 16;

    /// <summary>
    /// The bound for a sum of <paramref name="count"/> values accumulated in T. The library adds at most
    /// <see cref="BlockSize"/> elements in T (in vector lanes, or one lane in the scalar path) before it moves the
    /// partial sum into double; the error of a recursive sum of m terms is at most (m − 1)·u·Σ|terms| (Higham, §4.2).
    /// </summary>
    public static double SumUlps(int count) => ElementUlps + Math.Max(0, Math.Min(count, BlockSize) - 1);

    /// <summary>The documented bound on the number of elements summed in T before a sum moves into double.</summary>
    public const int BlockSize = 1024;

    public static double Element(double unitRoundoff, double magnitude) => ElementUlps * unitRoundoff * magnitude;

    public static double Sum(double unitRoundoff, int count, double magnitude) => SumUlps(count) * unitRoundoff * magnitude;
}

/// <summary>Collects mismatches so that one assertion reports the first few with their context.</summary>
internal sealed class Mismatches
{
    private const int MaxReported = 25;
    private readonly StringBuilder _text = new();

    public int Count { get; private set; }

    public void Add(string message)
    {
        Count++;
        if (Count <= MaxReported)
        {
            _text.AppendLine(message);
        }
    }

    /// <summary>Checks |actual − expected| ≤ tolerance (NaN matches NaN; infinities must be equal).</summary>
    public bool Close(string what, double actual, double expected, double tolerance) => Close(what, -1, actual, expected, tolerance);

    /// <summary>Checks element <paramref name="index"/> of <paramref name="what"/> (the message is built only on failure).</summary>
    public bool Close(string what, int index, double actual, double expected, double tolerance)
    {
        bool ok = double.IsNaN(expected)
            ? double.IsNaN(actual)
            : double.IsInfinity(expected) ? actual == expected : Math.Abs(actual - expected) <= tolerance;
        if (!ok)
        {
            string name = index < 0 ? what : string.Create(CultureInfo.InvariantCulture, $"{what}[{index}]");
            Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{name}: actual {actual:R}, expected {expected:R}, |diff| {Math.Abs(actual - expected):G3} > tolerance {tolerance:G3} ({Math.Abs(actual - expected) / tolerance:G3}x)"));
        }

        return ok;
    }

    public void Bits<T>(string what, T actual, T expected)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (!Numbers.SameBits(actual, expected))
        {
            Add(string.Create(CultureInfo.InvariantCulture, $"{what}: actual {actual}, expected the same bits as {expected}"));
        }
    }

    public void Bits<T>(string what, ReadOnlySpan<T> actual, ReadOnlySpan<T> expected)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (actual.Length != expected.Length)
        {
            Add(string.Create(CultureInfo.InvariantCulture, $"{what}: length {actual.Length}, expected {expected.Length}"));
            return;
        }

        for (int i = 0; i < actual.Length; i++)
        {
            if (!Numbers.SameBits(actual[i], expected[i]))
            {
                Add(string.Create(CultureInfo.InvariantCulture, $"{what}[{i}]: actual {actual[i]}, expected the same bits as {expected[i]}"));
            }
        }
    }

    public void True(bool condition, string message)
    {
        if (!condition)
        {
            Add(message);
        }
    }

    /// <summary>Fails the test with every collected mismatch.</summary>
    public void ThrowIfAny(string context)
    {
        if (Count > 0)
        {
            throw new XunitException(string.Create(
                CultureInfo.InvariantCulture,
                $"{context}: {Count} mismatch(es){(Count > MaxReported ? $", first {MaxReported}" : string.Empty)}:{Environment.NewLine}{_text}"));
        }
    }
}

internal static class Numbers
{
    public static bool SameBits<T>(T a, T b)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        typeof(T) == typeof(float)
            ? BitConverter.SingleToInt32Bits(float.CreateTruncating(a)) == BitConverter.SingleToInt32Bits(float.CreateTruncating(b))
            : BitConverter.DoubleToInt64Bits(double.CreateTruncating(a)) == BitConverter.DoubleToInt64Bits(double.CreateTruncating(b));

    public static T[] Convert<T>(ReadOnlySpan<double> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var result = new T[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = T.CreateTruncating(values[i]);
        }

        return result;
    }

    public static double[] ToDouble<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = double.CreateTruncating(values[i]);
        }

        return result;
    }
}

/// <summary>
/// An output span in the middle of a larger array whose every element starts as a sentinel, so that a test can
/// prove the code under test wrote nothing outside the span (and, where nothing may be written, nothing at all).
/// </summary>
internal sealed class Guarded<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>A value the library never produces from the test data.</summary>
    public static readonly T Sentinel = T.CreateTruncating(-31415.927);

    private readonly T[] _array;
    private readonly int _offset;

    /// <summary>Creates <paramref name="length"/> sentinel elements at an odd offset, with a guard zone after them.</summary>
    public Guarded(int length, int offset = 3, int after = 37)
        : this(new T[offset + length + after], offset, length)
    {
    }

    private Guarded(T[] array, int offset, int length)
    {
        _array = array;
        _offset = offset;
        Length = length;
        _array.AsSpan().Fill(Sentinel);
    }

    /// <summary>
    /// Creates <paramref name="length"/> sentinel elements in a pinned array, starting <paramref name="pastLine"/>
    /// elements past a 64-byte boundary, with at least 16 guard elements before and 37 after them.
    /// </summary>
    public static unsafe Guarded<T> PastCacheLine(int length, int pastLine)
    {
        int perLine = 64 / sizeof(T);
        var array = GC.AllocateArray<T>(16 + perLine + length + 37, pinned: true);
        int first;
        fixed (T* start = array)
        {
            first = (int)((nuint)start % 64 / (nuint)sizeof(T));
        }

        int offset = 16 + ((((pastLine - first) % perLine) + perLine) % perLine);
        return new Guarded<T>(array, offset, length);
    }

    public int Length { get; }

    public Span<T> Span => _array.AsSpan(_offset, Length);

    /// <summary>The whole array, guards included (to build overlapping spans).</summary>
    public T[] Array => _array;

    public int Offset => _offset;

    public T[] ToArray() => Span.ToArray();

    /// <summary>Checks that the elements before and after the span still hold the sentinel.</summary>
    public void CheckGuards(Mismatches mismatches, string what)
    {
        for (int i = 0; i < _array.Length; i++)
        {
            if ((i < _offset || i >= _offset + Length) && !Numbers.SameBits(_array[i], Sentinel))
            {
                mismatches.Add(string.Create(CultureInfo.InvariantCulture, $"{what}: guard element {i - _offset} (relative to the span) was overwritten with {_array[i]}"));
            }
        }
    }

    /// <summary>Checks that nothing at all was written.</summary>
    public void CheckUntouched(Mismatches mismatches, string what)
    {
        for (int i = 0; i < _array.Length; i++)
        {
            if (!Numbers.SameBits(_array[i], Sentinel))
            {
                mismatches.Add(string.Create(CultureInfo.InvariantCulture, $"{what}: element {i - _offset} (relative to the span) was written ({_array[i]}) although nothing may be"));
                return;
            }
        }
    }

    /// <summary>Checks that the span is all zeros and the guards are intact.</summary>
    public void CheckZeroed(Mismatches mismatches, string what)
    {
        var span = Span;
        for (int i = 0; i < span.Length; i++)
        {
            if (!Numbers.SameBits(span[i], T.Zero))
            {
                mismatches.Add(string.Create(CultureInfo.InvariantCulture, $"{what}[{i}] = {span[i]}, expected +0 (outputs are cleared)"));
                break;
            }
        }

        CheckGuards(mismatches, what);
    }
}

/// <summary>
/// Seeded random data for one call: input, target, variance (in the layout and parametrization of the options)
/// and an upstream gradient, all exactly representable in T; each stored at the end of a larger buffer at an odd
/// offset, with a copy to prove the library did not modify it.
/// </summary>
internal sealed class Problem<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly T[] _inputBuffer;
    private readonly T[] _targetBuffer;
    private readonly T[] _varianceBuffer;
    private readonly T[] _outputGradientBuffer;
    private readonly T[] _originalInput;
    private readonly T[] _originalTarget;
    private readonly T[] _originalVariance;
    private readonly T[] _originalOutputGradient;

    private Problem(Shape shape, GaussianNllOptions options, T[] input, T[] target, T[] variance, T[] outputGradient, int lead)
    {
        Shape = shape;
        Options = options;
        _inputBuffer = AtEnd(input, lead);
        _targetBuffer = AtEnd(target, lead + 2);
        _varianceBuffer = AtEnd(variance, lead + 4);
        _outputGradientBuffer = AtEnd(outputGradient, lead + 6);
        _originalInput = input;
        _originalTarget = target;
        _originalVariance = variance;
        _originalOutputGradient = outputGradient;
        InputValues = Numbers.ToDouble<T>(input);
        TargetValues = Numbers.ToDouble<T>(target);
        VarianceValues = Numbers.ToDouble<T>(variance);
        OutputGradientValues = Numbers.ToDouble<T>(outputGradient);
    }

    public Shape Shape { get; }

    public GaussianNllOptions Options { get; }

    public int Length => _originalInput.Length;

    public ReadOnlySpan<T> Input => Tail(_inputBuffer, _originalInput.Length);

    public ReadOnlySpan<T> Target => Tail(_targetBuffer, _originalTarget.Length);

    public ReadOnlySpan<T> Variance => Tail(_varianceBuffer, _originalVariance.Length);

    public ReadOnlySpan<T> OutputGradient => Tail(_outputGradientBuffer, _originalOutputGradient.Length);

    public double[] InputValues { get; }

    public double[] TargetValues { get; }

    public double[] VarianceValues { get; }

    public double[] OutputGradientValues { get; }

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Api<T>.Name} {Shape} {Options.Parametrization} {Options.Reduction} full={Options.Full} beta={Options.Beta} eps={Options.Epsilon}");

    /// <summary>
    /// Random data for a shape. A fraction <paramref name="clampedFraction"/> of the variance entries fall at or
    /// below the clamp (0, below ε, exactly ε).
    /// </summary>
    public static Problem<T> Create(Random random, Shape shape, GaussianNllOptions options, double clampedFraction = 0, int? lead = null)
    {
        int n = shape.Length;
        var input = new double[n];
        var target = new double[n];
        var outputGradient = new double[n];
        for (int i = 0; i < n; i++)
        {
            input[i] = Uniform(random, -3, 3);
            target[i] = input[i] + Uniform(random, -2.5, 2.5);
            outputGradient[i] = Uniform(random, -2, 2);
        }

        var variance = RandomVariance(random, shape.VarianceLength, options, clampedFraction);
        return FromValues(shape, options, input, target, variance, outputGradient, lead ?? (1 + (2 * random.Next(0, 8))));
    }

    /// <summary>Rounds the values to T and stores them.</summary>
    public static Problem<T> FromValues(Shape shape, GaussianNllOptions options, double[] input, double[] target, double[] variance, double[] outputGradient, int lead = 5) =>
        new(shape, options, Numbers.Convert<T>(input), Numbers.Convert<T>(target), Numbers.Convert<T>(variance), Numbers.Convert<T>(outputGradient), lead);

    /// <summary>Variance entries of the options' parametrization, away from the clamp except for the requested fraction.</summary>
    public static double[] RandomVariance(Random random, int count, GaussianNllOptions options, double clampedFraction)
    {
        var values = new double[count];
        double eps = typeof(T) == typeof(float) ? (float)options.Epsilon : options.Epsilon;
        for (int k = 0; k < count; k++)
        {
            bool clamped = random.NextDouble() < clampedFraction;
            int which = random.Next(0, 4);
            values[k] = options.Parametrization switch
            {
                VarianceParametrization.LogVariance => clamped
                    ? which switch { 0 => -1000, 1 => Math.Log(eps) - 0.5, 2 => Math.Log(eps) - 20, _ => -60 }
                    : Uniform(random, -4, 4),
                VarianceParametrization.StandardDeviation => clamped
                    ? which switch { 0 => 0, 1 => Math.Sqrt(eps) / 3, 2 => 1e-20, _ => Math.Sqrt(eps) * 0.9 }
                    : Math.Exp(Uniform(random, -1.5, 1.5)),
                _ => clamped
                    ? which switch { 0 => 0, 1 => eps / 3, 2 => eps, _ => 1e-30 }
                    : Math.Exp(Uniform(random, -3, 3)),
            };
        }

        return values;
    }

    /// <summary>The reference for this problem, with a per-element upstream gradient or a uniform scale.</summary>
    public ReferenceResult Reference(bool perElementGradient, double scale = 1) => GaussianNll.Tests.Reference.Compute(
        InputValues, TargetValues, VarianceValues, Options, perElementGradient ? OutputGradientValues : default, scale, Api<T>.IsFloat);

    /// <summary>Checks that no input span was modified.</summary>
    public void CheckInputsUnchanged(Mismatches mismatches)
    {
        mismatches.Bits<T>("input (unchanged)", Input, _originalInput);
        mismatches.Bits<T>("target (unchanged)", Target, _originalTarget);
        mismatches.Bits<T>("variance (unchanged)", Variance, _originalVariance);
        mismatches.Bits<T>("outputGradient (unchanged)", OutputGradient, _originalOutputGradient);
    }

    public static double Uniform(Random random, double low, double high) => low + ((high - low) * random.NextDouble());

    private static T[] AtEnd(T[] values, int lead)
    {
        var buffer = new T[lead + values.Length];
        buffer.AsSpan(0, lead).Fill(T.CreateTruncating(12345.5));
        values.CopyTo(buffer, lead);
        return buffer;
    }

    private static ReadOnlySpan<T> Tail(T[] buffer, int length) => buffer.AsSpan(buffer.Length - length);
}

/// <summary>Runs the five entry points on a problem and checks each against the reference and against one another.</summary>
internal static class Check
{
    /// <summary>Which gradients a call asks for.</summary>
    [Flags]
    public enum Wanted
    {
        None = 0,
        Input = 1,
        Variance = 2,
        Both = Input | Variance,
    }

    /// <summary>
    /// Calls Forward, ForwardElementwise, Backward (with a non-trivial upstream gradient), BackwardElementwise and
    /// ForwardBackward; compares every output with the reference within the term-size tolerances, checks that
    /// ForwardBackward gives Forward's bits and Backward's bits, that no output wrote outside its span and that the
    /// inputs are unchanged.
    /// </summary>
    public static void AllMethods<T>(Problem<T> problem, Mismatches mismatches, Wanted wanted = Wanted.Both, double outputGradient = 0.75)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var options = problem.Options;
        int n = problem.Length;
        double u = Api<T>.UnitRoundoff;
        string at = problem.ToString();

        // Forward
        var plain = problem.Reference(perElementGradient: false, scale: 1);
        T forward = Api<T>.Forward(problem.Input, problem.Target, problem.Variance, options);
        ReducedLoss(mismatches, $"{at} Forward", forward, plain, options.Reduction, u);

        // ForwardElementwise
        var destination = new Guarded<T>(n);
        Api<T>.ForwardElementwise(problem.Input, problem.Target, problem.Variance, destination.Span, options);
        ElementLosses(mismatches, $"{at} ForwardElementwise", destination.Span, plain, u);
        destination.CheckGuards(mismatches, $"{at} ForwardElementwise destination");

        // Backward with an upstream gradient other than 1
        T g0 = T.CreateTruncating(outputGradient);
        var scaled = plain.Scaled(Reference.BackwardScale(options.Reduction, n, double.CreateTruncating(g0)));
        var (inputGradient, varianceGradient) = Gradients<T>(problem, wanted);
        Api<T>.Backward(problem.Input, problem.Target, problem.Variance, Span(inputGradient, wanted, Wanted.Input), Span(varianceGradient, wanted, Wanted.Variance), options, g0);
        GradientsMatch(mismatches, $"{at} Backward(g={g0})", inputGradient, varianceGradient, wanted, scaled, u);

        // BackwardElementwise
        var perElement = problem.Reference(perElementGradient: true);
        (inputGradient, varianceGradient) = Gradients<T>(problem, wanted);
        Api<T>.BackwardElementwise(problem.Input, problem.Target, problem.Variance, problem.OutputGradient, Span(inputGradient, wanted, Wanted.Input), Span(varianceGradient, wanted, Wanted.Variance), options);
        GradientsMatch(mismatches, $"{at} BackwardElementwise", inputGradient, varianceGradient, wanted, perElement, u);

        // ForwardBackward: Forward's value and Backward's gradients (upstream gradient 1), to the bit.
        var unit = plain.Scaled(Reference.BackwardScale(options.Reduction, n, 1));
        (inputGradient, varianceGradient) = Gradients<T>(problem, wanted);
        T both = Api<T>.ForwardBackward(problem.Input, problem.Target, problem.Variance, Span(inputGradient, wanted, Wanted.Input), Span(varianceGradient, wanted, Wanted.Variance), options);
        mismatches.Bits($"{at} ForwardBackward loss vs Forward", both, forward);
        GradientsMatch(mismatches, $"{at} ForwardBackward", inputGradient, varianceGradient, wanted, unit, u);

        var (backwardInput, backwardVariance) = Gradients<T>(problem, wanted);
        Api<T>.Backward(problem.Input, problem.Target, problem.Variance, Span(backwardInput, wanted, Wanted.Input), Span(backwardVariance, wanted, Wanted.Variance), options, T.One);
        mismatches.Bits<T>($"{at} ForwardBackward inputGradient vs Backward(1)", inputGradient.Span, backwardInput.Span);
        mismatches.Bits<T>($"{at} ForwardBackward varianceGradient vs Backward(1)", varianceGradient.Span, backwardVariance.Span);

        problem.CheckInputsUnchanged(mismatches);
    }

    public static void ReducedLoss<T>(Mismatches mismatches, string what, T actual, ReferenceResult expected, Reduction reduction, double u, double extraUlps = 0)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        double tolerance = (Tolerance.SumUlps(expected.Length) + extraUlps) * u * expected.ReducedMagnitude(reduction);
        if (expected.Length == 0 && reduction == Reduction.Sum)
        {
            mismatches.True(Numbers.SameBits(actual, T.Zero), $"{what}: the sum of nothing is {actual}, expected +0");
            return;
        }

        mismatches.Close(what, double.CreateTruncating(actual), expected.Reduced(reduction), tolerance);
    }

    public static void ElementLosses<T>(Mismatches mismatches, string what, ReadOnlySpan<T> actual, ReferenceResult expected, double u, double extraUlps = 0)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < actual.Length; i++)
        {
            mismatches.Close(what, i, double.CreateTruncating(actual[i]), expected.Loss[i], (Tolerance.ElementUlps + extraUlps) * u * expected.LossMagnitude[i]);
        }
    }

    public static void GradientsMatch<T>(Mismatches mismatches, string what, Guarded<T> inputGradient, Guarded<T> varianceGradient, Wanted wanted, ReferenceResult expected, double u, double extraUlps = 0)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (wanted.HasFlag(Wanted.Input))
        {
            InputGradient(mismatches, what, inputGradient.Span, expected, u, extraUlps);
            inputGradient.CheckGuards(mismatches, $"{what} inputGradient");
        }
        else
        {
            inputGradient.CheckUntouched(mismatches, $"{what} inputGradient (not wanted)");
        }

        if (wanted.HasFlag(Wanted.Variance))
        {
            VarianceGradient(mismatches, what, varianceGradient.Span, expected, u, extraUlps);
            varianceGradient.CheckGuards(mismatches, $"{what} varianceGradient");
        }
        else
        {
            varianceGradient.CheckUntouched(mismatches, $"{what} varianceGradient (not wanted)");
        }
    }

    public static void InputGradient<T>(Mismatches mismatches, string what, ReadOnlySpan<T> actual, ReferenceResult expected, double u, double extraUlps = 0)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        string name = $"{what} inputGradient";
        for (int i = 0; i < actual.Length; i++)
        {
            mismatches.Close(name, i, double.CreateTruncating(actual[i]), expected.InputGradient[i], (Tolerance.ElementUlps + extraUlps) * u * expected.InputGradientMagnitude[i]);
        }
    }

    public static void VarianceGradient<T>(Mismatches mismatches, string what, ReadOnlySpan<T> actual, ReferenceResult expected, double u, double extraUlps = 0)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        string name = $"{what} varianceGradient";
        for (int k = 0; k < actual.Length; k++)
        {
            double tolerance = (Tolerance.SumUlps(expected.VarianceCoverage[k]) + extraUlps) * u * expected.VarianceGradientMagnitude[k];
            mismatches.Close(name, k, double.CreateTruncating(actual[k]), expected.VarianceGradient[k], tolerance);
        }
    }

    /// <summary>Fresh sentinel-filled gradient buffers for a problem.</summary>
    public static (Guarded<T> Input, Guarded<T> Variance) Gradients<T>(Problem<T> problem, Wanted wanted)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        (new Guarded<T>(wanted.HasFlag(Wanted.Input) ? problem.Length : 0), new Guarded<T>(wanted.HasFlag(Wanted.Variance) ? problem.Shape.VarianceLength : 0));

    /// <summary>The span to pass: the buffer's span, or an empty span when that gradient is not wanted.</summary>
    public static Span<T> Span<T>(Guarded<T> buffer, Wanted wanted, Wanted flag)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        wanted.HasFlag(flag) ? buffer.Span : default;

    /// <summary>Every layout with a few shapes for a length: rows of 1, 3 and 5 columns, one long row, and more.</summary>
    public static IEnumerable<Shape> ShapesFor(int length)
    {
        yield return Shape.Flat(VarianceLayout.Elementwise, length);
        yield return Shape.Flat(VarianceLayout.Scalar, length);
        foreach (var layout in new[] { VarianceLayout.PerRow, VarianceLayout.PerColumn })
        {
            if (length == 0)
            {
                yield return new Shape(layout, layout == VarianceLayout.PerRow ? 3 : 0, layout == VarianceLayout.PerRow ? 0 : 4);
                continue;
            }

            foreach (int columns in new[] { 1, 3, 5, 17, length }.Distinct())
            {
                if (length % columns == 0)
                {
                    yield return new Shape(layout, length / columns, columns);
                }
            }
        }
    }
}
