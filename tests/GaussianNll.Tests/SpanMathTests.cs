using System;
using System.Numerics;
using System.Runtime.Intrinsics;
using Xunit;

namespace GaussianNll.Tests;

/// <summary>The span helpers whose order of additions the determinism contract depends on.</summary>
public class SpanMathTests
{
    /// <summary>
    /// The fold of rows of one Vector512 does the level-by-level pairwise fold's additions in its order: the same
    /// bits as that fold written element by element, for every row count up to 130 (full and partial levels). The
    /// values span twelve orders of magnitude, so that another order would round differently.
    /// </summary>
    [Theory]
    [InlineData("float")]
    [InlineData("double")]
    public void FoldVectorRowsPairwise_AnyRowCount_SameBitsAsLevelByLevelFold(string type)
    {
        if (type == "float")
        {
            FoldMatchesLevelByLevel<float>();
        }
        else
        {
            FoldMatchesLevelByLevel<double>();
        }
    }

    private static void FoldMatchesLevelByLevel<T>()
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int columns = Vector512<T>.Count;
        var random = new Random(7);
        var mismatches = new Mismatches();
        for (int rows = 1; rows <= 130; rows++)
        {
            var matrix = new T[rows * columns];
            for (int i = 0; i < matrix.Length; i++)
            {
                matrix[i] = T.CreateTruncating((random.NextDouble() - 0.3) * Math.Pow(10, random.Next(-6, 6)));
            }

            var expected = (T[])matrix.Clone();
            for (int stride = 1; stride < rows; stride *= 2)
            {
                for (int row = 0; row + stride < rows; row += 2 * stride)
                {
                    for (int c = 0; c < columns; c++)
                    {
                        expected[(row * columns) + c] += expected[((row + stride) * columns) + c];
                    }
                }
            }

            SpanMath.FoldVectorRowsPairwise<T>(matrix, rows);
            mismatches.Bits<T>($"{typeof(T).Name} {rows} rows", matrix.AsSpan(0, columns), expected.AsSpan(0, columns));
        }

        mismatches.ThrowIfAny("FoldVectorRowsPairwise");
    }
}
