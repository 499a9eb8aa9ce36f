using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.InteropServices;
using FluentAssertions;
using Xunit;

namespace GaussianNll.Tests;

/// <summary>
/// Every argument ends where a page the process may not touch begins, so a read or write past the end of any of them
/// (the kernel reads its inputs two vectors ahead of the element it computes, clamped to the last vector) stops the
/// test run with a fault instead of reading a neighbour's bytes unnoticed. The results must also equal, to the bit,
/// those from ordinary arrays: the kernel's sums do not depend on where the arrays start.
/// </summary>
public class PageEndTests
{
    private static readonly int[] ElementwiseLengths = [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65, 100, 255, 256, 257, 1031, 4095, 4096, 4097];

    [Fact]
    public void AllMethods_ArgumentsEndingAtAForbiddenPage_ReadNothingPastTheirEnds_Float() => Run<float>();

    [Fact]
    public void AllMethods_ArgumentsEndingAtAForbiddenPage_ReadNothingPastTheirEnds_Double() => Run<double>();

    private static void Run<T>()
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // mmap and mprotect below; CI runs on Linux.
        }

        var random = new Random(4096);
        var shapes = new List<Shape>();
        foreach (int length in ElementwiseLengths)
        {
            shapes.Add(Shape.Flat(VarianceLayout.Elementwise, length));
            shapes.Add(Shape.Flat(VarianceLayout.Scalar, length));
        }

        foreach (int columns in new[] { 3, 16, 17, 100 })
        {
            foreach (int rows in new[] { 1, 2, 5, 41 })
            {
                shapes.Add(new Shape(VarianceLayout.PerRow, rows, columns));
                shapes.Add(new Shape(VarianceLayout.PerColumn, rows, columns));
            }
        }

        var mismatches = new Mismatches();
        foreach (var shape in shapes)
        {
            string what = $"{typeof(T).Name} {shape}";
            var options = new GaussianNllOptions { VarianceLayout = shape.Layout };
            var problem = Problem<T>.Create(random, shape, options);
            ReadOnlySpan<T> input = problem.Input, target = problem.Target, variance = problem.Variance, outputGradient = problem.OutputGradient;
            int length = shape.Length, varianceLength = shape.VarianceLength;

            using var pages = new PageEnds<T>([length, length, varianceLength, length, length, varianceLength, length]);
            input.CopyTo(pages[0]);
            target.CopyTo(pages[1]);
            variance.CopyTo(pages[2]);
            outputGradient.CopyTo(pages[3]);
            ReadOnlySpan<T> x = pages[0], y = pages[1], v = pages[2], g = pages[3];
            Span<T> inputGradient = pages[4], varianceGradient = pages[5], destination = pages[6];

            var expectedInputGradient = new T[length];
            var expectedVarianceGradient = new T[varianceLength];
            var expectedDestination = new T[length];

            mismatches.Bits(what + ", Forward", Api<T>.Forward(x, y, v, options), Api<T>.Forward(input, target, variance, options));

            mismatches.Bits(
                what + ", ForwardBackward",
                Api<T>.ForwardBackward(x, y, v, inputGradient, varianceGradient, options),
                Api<T>.ForwardBackward(input, target, variance, expectedInputGradient, expectedVarianceGradient, options));
            mismatches.Bits<T>(what + ", ForwardBackward input gradient", inputGradient, expectedInputGradient);
            mismatches.Bits<T>(what + ", ForwardBackward variance gradient", varianceGradient, expectedVarianceGradient);

            Api<T>.ForwardElementwise(x, y, v, destination, options);
            Api<T>.ForwardElementwise(input, target, variance, expectedDestination, options);
            mismatches.Bits<T>(what + ", ForwardElementwise", destination, expectedDestination);

            Api<T>.Backward(x, y, v, inputGradient, varianceGradient, options, T.One);
            Api<T>.Backward(input, target, variance, expectedInputGradient, expectedVarianceGradient, options, T.One);
            mismatches.Bits<T>(what + ", Backward input gradient", inputGradient, expectedInputGradient);
            mismatches.Bits<T>(what + ", Backward variance gradient", varianceGradient, expectedVarianceGradient);

            Api<T>.BackwardElementwise(x, y, v, g, inputGradient, varianceGradient, options);
            Api<T>.BackwardElementwise(input, target, variance, outputGradient, expectedInputGradient, expectedVarianceGradient, options);
            mismatches.Bits<T>(what + ", BackwardElementwise input gradient", inputGradient, expectedInputGradient);
            mismatches.Bits<T>(what + ", BackwardElementwise variance gradient", varianceGradient, expectedVarianceGradient);
        }

        mismatches.ThrowIfAny("At a forbidden page's edge against in arrays");
    }

    [Fact]
    public void PageEnds_ASpan_EndsWhereTheForbiddenPageBegins()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var pages = new PageEnds<float>([1, 5000]);
        for (int k = 0; k < 2; k++)
        {
            nint end = pages.End(k);
            (end % Environment.SystemPageSize).Should().Be(0, "the span's end is a page boundary");
            unsafe
            {
                fixed (float* start = pages[k])
                {
                    ((nint)(start + pages[k].Length)).Should().Be(end, "the last element is the last before the page");
                }
            }
        }
    }

    /// <summary>
    /// One anonymous mapping per span, each span's last element just before a page mapped with no access, so that
    /// touching anything past it faults.
    /// </summary>
    private sealed unsafe class PageEnds<T> : IDisposable
        where T : unmanaged
    {
        private const int ProtNone = 0;
        private const int ProtReadWrite = 3;
        private const int MapPrivateAnonymous = 0x22;

        private readonly (nint Base, nuint Size, int Length)[] _maps;

        public PageEnds(int[] lengths)
        {
            int page = Environment.SystemPageSize;
            _maps = new (nint, nuint, int)[lengths.Length];
            for (int k = 0; k < lengths.Length; k++)
            {
                nuint usable = (nuint)(((((long)lengths[k] * sizeof(T)) + page - 1) / page) + 1) * (nuint)page;
                nint map = Posix.Mmap(0, usable + (nuint)page, ProtReadWrite, MapPrivateAnonymous, -1, 0);
                map.Should().NotBe(-1, "mmap of {0} bytes", usable + (nuint)page);
                Posix.Mprotect(map + (nint)usable, (nuint)page, ProtNone).Should().Be(0, "mprotect of the guard page");
                _maps[k] = (map, usable + (nuint)page, lengths[k]);
            }
        }

        public Span<T> this[int k] => new((void*)(End(k) - (_maps[k].Length * sizeof(T))), _maps[k].Length);

        public nint End(int k) => _maps[k].Base + (nint)(_maps[k].Size - (nuint)Environment.SystemPageSize);

        public void Dispose()
        {
            foreach (var (map, size, _) in _maps)
            {
                Posix.Munmap(map, size);
            }
        }
    }

    private static class Posix
    {
        [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
        public static extern nint Mmap(nint address, nuint length, int protection, int flags, int descriptor, nint offset);

        [DllImport("libc", EntryPoint = "mprotect", SetLastError = true)]
        public static extern int Mprotect(nint address, nuint length, int protection);

        [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
        public static extern int Munmap(nint address, nuint length);
    }
}
