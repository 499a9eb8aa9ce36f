namespace GaussianNll.Kernels;

/// <summary>Bit-level constants of the IEEE 754 binary32 and binary64 formats, for the portable vector widths.</summary>
internal static class BitMath
{
    /// <summary>The smallest normal float, 2^-126.</summary>
    public const float SingleMinNormal = 1.17549435e-38f;

    /// <summary>The power of two a subnormal float is scaled by to make it normal.</summary>
    public const int SingleSubnormalShift = 24;

    /// <summary>2^24.</summary>
    public const float SingleSubnormalScale = 16777216f;

    /// <summary>The fraction bits of a float.</summary>
    public const int SingleFractionMask = 0x007FFFFF;

    /// <summary>The bits of 1.0f.</summary>
    public const int SingleOneBits = 0x3F800000;

    /// <summary>2^23: adding it to a float integer in [0, 2^23) leaves that integer in the fraction bits.</summary>
    public const float SingleMagic = 8388608f;

    /// <summary>The smallest normal double, 2^-1022.</summary>
    public const double DoubleMinNormal = 2.2250738585072014e-308;

    /// <summary>The power of two a subnormal double is scaled by to make it normal.</summary>
    public const int DoubleSubnormalShift = 54;

    /// <summary>2^54.</summary>
    public const double DoubleSubnormalScale = 18014398509481984.0;

    /// <summary>The fraction bits of a double.</summary>
    public const long DoubleFractionMask = 0x000FFFFFFFFFFFFF;

    /// <summary>The bits of 1.0.</summary>
    public const long DoubleOneBits = 0x3FF0000000000000;

    /// <summary>2^52: adding it to a double integer in [0, 2^52) leaves that integer in the fraction bits.</summary>
    public const double DoubleMagic = 4503599627370496.0;

    /// <summary>The bits of <see cref="DoubleMagic"/>.</summary>
    public const long DoubleMagicBits = 0x4330000000000000;
}
