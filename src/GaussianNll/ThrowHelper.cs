using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace GaussianNll;

/// <summary>Throw helpers kept out of line so that the validating entry points stay small.</summary>
internal static class ThrowHelper
{
    internal static ArgumentOutOfRangeException UndefinedEnum<TEnum>(TEnum value, string paramName)
        where TEnum : struct, Enum =>
        new(paramName, value, $"{value} is not a defined {typeof(TEnum).Name}.");

    [DoesNotReturn]
    internal static void ThrowLengthMismatch(string paramName, int actual, int expected, string what) =>
        throw new ArgumentException(
            string.Create(CultureInfo.InvariantCulture, $"{paramName} has length {actual}, but {what} needs {expected}."),
            paramName);

    [DoesNotReturn]
    internal static void ThrowVarianceLayoutMismatch(int varianceLength, int inputLength, VarianceLayout layout) =>
        throw new ArgumentException(
            string.Create(
                CultureInfo.InvariantCulture,
                $"variance has length {varianceLength}, which does not fit input of length {inputLength} in the {layout} layout ({LayoutRule(layout)})."),
            "variance");

    [DoesNotReturn]
    internal static void ThrowOverlap(string paramName, string other) =>
        throw new ArgumentException($"{paramName} overlaps {other}; outputs must not share memory with inputs or with each other.", paramName);

    [DoesNotReturn]
    internal static void ThrowNegativeVariance(int index, VarianceParametrization parametrization) =>
        throw new ArgumentException(
            string.Create(
                CultureInfo.InvariantCulture,
                $"variance has a negative entry at index {index} (parametrization {parametrization}); a variance or standard deviation must be non-negative. The outputs have been cleared to zero."),
            "variance");

    [DoesNotReturn]
    internal static void ThrowEpsilonOutOfFloatRange(double epsilon) =>
        throw new ArgumentOutOfRangeException(
            "options",
            epsilon,
            string.Create(
                CultureInfo.InvariantCulture,
                $"Epsilon {epsilon} is outside the range float data needs: from the smallest normal float, {Kernels.BitMath.SingleMinNormal}, to float.MaxValue."));

    private static string LayoutRule(VarianceLayout layout) => layout switch
    {
        VarianceLayout.Elementwise => "variance.Length must equal input.Length",
        VarianceLayout.PerRow => "variance.Length must be positive and divide input.Length",
        VarianceLayout.PerColumn => "variance.Length must be positive and divide input.Length",
        _ => "variance.Length must be 1",
    };
}
