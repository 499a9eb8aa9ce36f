using System;
using System.Linq;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Threading.Tasks;
using GaussianNll.Kernels;

// Every positive normal float, in blocks of 16, through FastMath.Log at the widths given (default: every accelerated
// one, then scalar). The error is |result − ln x| in units of the spacing of floats at ln x (as FastMathTests measures
// it), with Math.Log's double result as ln x. Exits with 1 if any width exceeds 1 ulp, the suite's bound.
string[] widths = args.Length > 0
    ? args
    : [.. new[] { "Vector512", "Vector256", "Vector128" }.Where(Accelerated), "Scalar"];
bool withinBound = true;
foreach (var width in widths)
{
    var (worst, at) = Check(width);
    Console.WriteLine($"{width} ({(FastMath.MultiplyAddIsFused ? "fused" : "unfused")}): at most {worst:F4} ulp, at {at:R}");
    withinBound &= worst <= 1.0;
}

return withinBound ? 0 : 1;

static bool Accelerated(string width) => width switch
{
    "Vector512" => Vector512.IsHardwareAccelerated,
    "Vector256" => Vector256.IsHardwareAccelerated,
    _ => Vector128.IsHardwareAccelerated,
};

static (double Worst, float At) Check(string width)
{
    var kernel = Kernel(width);
    const uint first = 0x0080_0000; // the smallest normal float
    const uint end = 0x7F80_0000; // +∞
    const uint block = 1 << 20;
    var worst = new double[(int)((end - first + block - 1) / block)];
    var at = new float[worst.Length];
    Parallel.For(0, worst.Length, b =>
    {
        var inputs = new float[16];
        var results = new float[16];
        uint start = first + ((uint)b * block);
        uint stop = Math.Min(start + block, end);
        for (uint bits = start; bits < stop; bits += 16)
        {
            for (int j = 0; j < 16; j++)
            {
                inputs[j] = BitConverter.UInt32BitsToSingle(Math.Min(bits + (uint)j, stop - 1));
            }

            kernel(inputs, results);
            for (int j = 0; j < 16; j++)
            {
                double exact = Math.Log(inputs[j]);
                double error = Math.Abs(results[j] - exact) / Spacing((float)exact);
                if (!(error <= worst[b]))
                {
                    worst[b] = double.IsNaN(error) ? double.PositiveInfinity : error;
                    at[b] = inputs[j];
                }
            }
        }
    });
    int worstBlock = Array.IndexOf(worst, worst.Max());
    return (worst[worstBlock], at[worstBlock]);
}

// The logarithm of a block of 16 inputs at the width named.
static Action<float[], float[]> Kernel(string width) => width switch
{
    "Vector512" => Run<Vec512<float>>,
    "Vector256" => Run<Vec256<float>>,
    "Vector128" => Run<Vec128<float>>,
    "Scalar" => Run<Scalar<float>>,
    _ => throw new ArgumentException($"Unknown width '{width}': Vector512, Vector256, Vector128 or Scalar.", nameof(width)),
};

static void Run<TVector>(float[] inputs, float[] results)
    where TVector : struct, ISimdVector<TVector, float>
{
    for (int i = 0; i < inputs.Length; i += TVector.Count)
    {
        TVector.Store(FastMath.Log<float, TVector>(TVector.Load(in inputs[0], (nuint)i)), ref results[0], (nuint)i);
    }
}

// The spacing of floats at value's magnitude (below it at the top of the range), as FastMathTests' Ulp.
static double Spacing(float value)
{
    float magnitude = MathF.Abs(value);
    float next = MathF.BitIncrement(magnitude);
    return float.IsFinite(next) ? next - magnitude : magnitude - MathF.BitDecrement(magnitude);
}
