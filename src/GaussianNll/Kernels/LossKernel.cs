using System;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GaussianNll.Kernels;

/// <summary>
/// The fused loss-and-gradient loop: one pass over input, target and variance that writes whatever the
/// <see cref="Job{T}"/> asks for and sums whatever the settings ask for.
/// </summary>
/// <remarks>
/// Per element, with d = input − target and v the clamped variance (see <see cref="IParametrization"/>):
/// <c>r = d/v</c>, <c>q = r·d = d²/v</c>, <c>loss = w·(½(ln v + q) + c)</c>, <c>d/dinput = w·s·r</c>,
/// <c>d/dparameter = w·s·TPar.Gradient</c>, where <c>w = v^β</c> (held constant) and <c>s</c> is the output
/// gradient. Sums are kept in vector lanes for at most <see cref="BlockSize"/> elements and then added to a
/// double, so a float sum stays accurate at any length and the same input gives the same bits. (A variance broadcast
/// per lane is the exception: its lanes' gradient sums are added, in T, into the job's per-lane span at each block's
/// end; the caller keeps such jobs to a chunk.)
/// <para>
/// The loop's speed depends on the JIT inlining everything it calls (the wrappers' operators, the logarithm, the
/// parametrization). The JIT gives up inlining, silently, once a method's inlining budget is spent, and the vector
/// operations then become calls that spill every register: about eight times slower. So keep what is imported into
/// <c>RunRange</c> small: per-type code in separate methods chosen by <c>typeof</c>, rare work out of line, flags that
/// remove code as type parameters. After a change here, check the benchmark (or <c>DOTNET_JitDisasm=RunRange</c>)
/// for calls in the loop; CI fails on any.
/// </para>
/// <para>
/// The loop is limited by the FMA units (one 512-bit multiply or multiply-add per cycle on the Zen 4 this was tuned
/// on), so it divides where a reciprocal estimate and Newton steps would add multiply-adds, and it keeps everything in
/// registers: what a call computes is compiled in (<see cref="KernelOutputs"/>) rather than tested per element, and
/// the vectors a loop needs throughout (<see cref="KernelConstants{T, TVector}"/>, the logarithm's
/// <see cref="LogCoefficients{T, TVector}"/>) are built before it, where the JIT holds them in registers.
/// </para>
/// <para>
/// Most of a loop that takes a logarithm per element is the logarithm. A loss that is only summed needs just
/// Σ ln v, which the vector loops take as the logarithm of a compensated product of the variances' significands
/// plus their exponents, one logarithm per lane and run (see <c>RunRange</c>); so do short rows, per variance entry.
/// A loss written per element, or weighted by v^β, still takes each ln v.
/// </para>
/// </remarks>
internal static class LossKernel
{
    /// <summary>The most elements summed in vector lanes before the lanes are added into a double.</summary>
    internal const int BlockSize = 1024;

    /// <summary>How far ahead, in bytes, the loop asks for the input lines it will read.</summary>
    /// <remarks>
    /// Measured on the Zen 4 this was tuned on, at 1,048,576 floats (arrays in L3): 512 bytes ahead, 6% faster than
    /// the hardware prefetchers alone; 1 KB ahead, slower than none.
    /// </remarks>
    private const int PrefetchBytes = 512;

    /// <summary>How many vectors ahead of the one it computes the loop reads the caller's arrays: two, no more, no less.</summary>
    /// <remarks>
    /// <para>
    /// A load whose address matches an older, still pending store's in the low 12 bits waits for that store (4 KB
    /// aliasing). Arrays allocated one after another, as <c>new float[n]</c> are for sizes that are multiples of 1,024,
    /// start a few dozen bytes apart modulo 4 KB, with the outputs after the inputs: a store to <c>gradient[i]</c> then
    /// matches the next iteration's load of <c>input[i + width]</c>, and each iteration waits for the one before. The
    /// loop's loads of element i + 2·width come before its stores of element i, so outputs up to two vectors past an
    /// input no longer match a pending store; the same elements are computed in the same order, so the results keep
    /// their bits.
    /// </para>
    /// <para>
    /// The window moves rather than closes. Measured on the Zen 4 this was tuned on (harness, <c>ForwardBackward</c>,
    /// 1,024 floats in ns / 16,384 in µs, before -> after): both gradients 64 bytes past the inputs modulo 4 KB,
    /// 312 / 5.87 -> 292 / 3.40; 128 bytes past, 503 / 4.60 -> 288 / 3.43; five consecutive <c>new float[n]</c>,
    /// 316-804 / 5.75-7.69 -> 285-310 / 3.77-4.26; but 192 bytes past, 308 / 3.90 -> 521 / 4.35, and 256 bytes past,
    /// 374 / 3.71 -> 286 / 3.93 (no offset: 291 / 3.46 -> 287 / 3.42). Three vectors ahead fixed 192 bytes and broke
    /// 128 and 256 (4.53 and 5.10 µs). These figures are for Vector512; two Vector256s are 64 bytes, not 128. The loop
    /// carries exactly two vectors of each stream (<c>…Here</c> and <c>…Next</c>), so this is not a setting: changing
    /// it alone reads the wrong elements.
    /// </para>
    /// </remarks>
    private const nuint LoadDistance = 2;

    /// <summary>
    /// The most significands multiplied per lane before the product is split again: the carried significand and 64
    /// factors in [√½, √2) or [0.75, 1.5) stay within [2^-33, 2^39], far inside float's range.
    /// </summary>
    private const nuint ProductLength = 64;

    /// <summary>
    /// The most elements one <c>RunRange</c> takes, whole blocks: a run logs its significand products at its end, and
    /// 4,096 elements make at most 1,024 factors per lane (float, Vector128), for which the compensated product's
    /// relative error bound, u + 2γₙ² (Graillat), stays below 1.2u, however long the job (a per-column row is as long
    /// as the caller's). Splitting the loop here rather than logging inside it keeps a call out of the loop, around
    /// which the JIT would keep loop values on the stack.
    /// </summary>
    private const int RunLength = 4 * BlockSize;

    /// <summary>
    /// The size, in bytes of one per-element array, from which a call writes its per-element outputs by non-temporal
    /// stores (<see cref="Job{T}.StreamCarry"/>): 2 Mi floats or 1 Mi doubles, five arrays of 40 MB in all, more than the
    /// 32 MB L3 of the machine this was measured on. A plain store to a line that is not in the caches first reads the
    /// line, only to overwrite all of it; a non-temporal store does not, which saves two of <c>ForwardBackward</c>'s seven
    /// line transfers per vector; but its line goes to memory, not to the caches, where the caller would read it next.
    /// </summary>
    /// <remarks>
    /// Harness, <c>ForwardBackward</c> float, arrays from <c>new float[n]</c>, medians of processes, plain against
    /// non-temporal stores: 2 Mi elements 1.28 against 0.84 ms, 4 Mi 3.03 against 2.35 ms, 16 Mi 14.9 against 11.2 ms. At
    /// 1 Mi (20 MB, which fits in L3) it depends on where the arrays lie: 502 against 621 µs for five <c>new float[n]</c>
    /// (later, against aligned plain stores, 617 against 408 µs), 372 against 310 µs for aligned native arrays; below that
    /// non-temporal stores only lose (64 Ki-768 Ki elements), and aligned plain ones take over
    /// (<see cref="AlignedStoreBytes"/>), with the input gradient's alone non-temporal from <see cref="SplitStoreBytes"/>
    /// where both gradients are written per element.
    /// </remarks>
    internal const int StreamingBytes = 8 * 1024 * 1024;

    /// <summary>
    /// The size, in bytes of one per-element array, from which a call writes its per-element outputs by whole aligned
    /// vectors (<see cref="Job{T}.StreamCarry"/>), through the caches below <see cref="StreamingBytes"/> (but for the input
    /// gradient from <see cref="SplitStoreBytes"/> where both gradients are written per element), where an output does not
    /// start on a cache line (arrays allocated one after another do not) or the call splits its stores: 64 Ki floats or
    /// 32 Ki doubles, five arrays of 1.25 MB in all, more than the 1 MB L2 of the machine this was measured on. Each store
    /// then writes one cache line rather than parts of two, for the price of a permutation, which pays once the arrays come
    /// from L3 and costs while they sit in L2, where the loop is bound by its arithmetic.
    /// </summary>
    /// <remarks>
    /// Measured on the Zen 4 this was tuned on, <c>ForwardBackward</c>, arrays allocated in the benchmarks' order, both
    /// builds in one process, medians of paired rounds, aligned against plain stores. Float: 48 Ki elements 0.90×,
    /// 64 Ki 0.86×, 128 Ki 0.80×, 256 Ki 0.87×, 512 Ki 0.85×, 1 Mi 0.88-0.96×, 1.5 Mi 0.98×; from 2 Mi, non-temporal stores
    /// are 1.31× faster than aligned plain ones. Double: 16 Ki elements (128 KB) 1.03-1.05×, 32 Ki 0.93-0.96×, 128 Ki
    /// 0.95×, 512 Ki 0.95-0.96×. BenchmarkDotNet, 1 Mi floats, 25 processes each: medians 477 against 518 µs. Between
    /// 16 Ki and 32 Ki floats the runs disagreed (0.93× and 1.04-1.06×; an early in-process run's 1.18× at 32 Ki and 1.30×
    /// at 16 Ki were the second library loaded into that process running slower, whichever build it was). Only
    /// <c>ForwardBackward</c> was measured; calls that touch fewer arrays (a scalar variance, <c>ForwardElementwise</c>)
    /// stay in L2 a little longer, where the permutations cost a few percent. Outputs that start on a line keep plain
    /// stores, which are aligned already, below <see cref="SplitStoreBytes"/> or where the call does not split its
    /// stores: there the permutations only cost (6-9% from 16 Ki to 128 Ki floats in the harness, aligned native
    /// arrays).
    /// </remarks>
    internal const int AlignedStoreBytes = 256 * 1024;

    /// <summary>
    /// The size, in bytes of one per-element array, from which a call that writes both gradients per element by whole
    /// aligned vectors (<see cref="Job{T}.StreamCarry"/>) stores the input gradient past the caches, by non-temporal
    /// stores, and the variance's gradient through them, up to <see cref="StreamingBytes"/>, where both go past: 768 Ki
    /// floats or 384 Ki doubles, five arrays of 15 MB in all, about half the 32 MB L3 of the machine this was measured
    /// on. From there the five arrays crowd the L3, and every line of the outputs costs two transfers between L2 and L3
    /// (read for ownership, then written back) on top of the three inputs'; one output sent to memory instead, whose
    /// write bandwidth the rest leaves unused, takes its share off that path (so we think: the machine has no
    /// performance counters to show it). With the five arrays allocated as the benchmarks allocate them, sending both
    /// outputs to memory was slower than sending none (see <see cref="StreamingBytes"/>). This applies to outputs on
    /// cache lines too, which otherwise take plain stores below <see cref="StreamingBytes"/>.
    /// </summary>
    /// <remarks>
    /// Measured on the Zen 4 this was tuned on, <c>ForwardBackward</c>, both builds in one process on the same arrays,
    /// medians of 30 paired rounds, in both orders, the input gradient past the caches against every output through
    /// them (builds that split from 256 KB, and, for aligned arrays and double, from 2 MB). Float, arrays allocated in
    /// the benchmarks' order (outputs off a cache line): 512 Ki elements 0.97-0.99×, 768 Ki 0.86-0.91×, 1 Mi
    /// 0.80-0.84×, 1.5 Mi 0.82-0.85×, and 0.98-1.02× from 64 Ki to 256 Ki; on aligned arrays (outputs on a line, plain
    /// stores before): 512 Ki 1.20-1.24× (slower: hence 3 MB), 768 Ki 0.95-0.97×, 1 Mi 0.79-0.88×. Double, the
    /// benchmarks' order: 256 Ki 0.83-0.97×, 384 Ki 0.85-0.89×, 512 Ki 0.82-0.83×, 768 Ki 0.82-0.85×. The variance's
    /// gradient past the caches instead of the input gradient's gained less and not always (float, 1 Mi: 0.90-1.04×). A
    /// caller that reads the input gradient right after the call gets it from memory rather than from L3: with a sum of
    /// the input gradient after every call (float, 1 Mi, the benchmarks' order) the pair still took 0.93-0.98× the time.
    /// </remarks>
    internal const int SplitStoreBytes = 3 * 1024 * 1024;

    /// <summary>ln 2, rounded to double.</summary>
    private const double Ln2 = 0.69314718055994530942;

    /// <summary>
    /// Whether a call over <paramref name="length"/> elements writes its outputs by whole aligned vectors (see
    /// <see cref="AlignedStoreBytes"/>), where its layout and outputs allow.
    /// </summary>
    internal static bool StreamsOutputs<T>(int length)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        (long)length * Unsafe.SizeOf<T>() >= AlignedStoreBytes;

    /// <summary>
    /// Whether those aligned stores of a call over <paramref name="length"/> elements are non-temporal (see
    /// <see cref="StreamingBytes"/>).
    /// </summary>
    internal static bool StreamsPastCaches<T>(int length)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        (long)length * Unsafe.SizeOf<T>() >= StreamingBytes;

    /// <summary>
    /// Whether a call over <paramref name="length"/> elements is in the range where one that writes both gradients per
    /// element stores the input gradient past the caches and the variance's through them (see
    /// <see cref="SplitStoreBytes"/>).
    /// </summary>
    internal static bool InSplitRange<T>(int length)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        (long)length * Unsafe.SizeOf<T>() >= SplitStoreBytes && !StreamsPastCaches<T>(length);

    /// <summary>
    /// The number of lanes of the widest accelerated vector, the width a job starts with (1 without SIMD): a per-lane
    /// broadcast variance (<see cref="Job{T}.BroadcastVariance"/>) has this many entries.
    /// </summary>
    internal static int WidestLanes<T>()
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        Vec512<T>.IsHardwareAccelerated ? Vec512<T>.Count
        : Vec256<T>.IsHardwareAccelerated ? Vec256<T>.Count
        : Vec128<T>.IsHardwareAccelerated ? Vec128<T>.Count
        : 1;

    /// <summary>
    /// Runs the job over all its elements: as many as fit in the widest accelerated vectors, the rest as one more such
    /// vector overlapping them where it can (see <c>RunWidth</c>), else in narrower ones and the last few one at a time.
    /// </summary>
    internal static void Run<T, TPar>(scoped in Job<T> job, in KernelSettings<T> settings, ref Sums sums)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TPar : struct, IParametrization
    {
        var outputs = OutputsOf(job, settings);
        double lossBefore = sums.Loss;
        Dispatch<T, TPar>(job, settings, outputs, ref sums);

        // An unweighted loss that is only summed adds its terms (d²/v, and ln v or its parts) per element and halves per
        // block: in float the terms can overflow where the halved losses would not (a lane's sum between 2^127 and
        // 2^128). Rare: sum this job's loss again, halving each element, and writing nothing.
        if (SumsTerms(outputs, hasBeta: settings.Beta != T.Zero) && !double.IsFinite(sums.Loss) && double.IsFinite(lossBefore))
        {
            var again = new Sums { Loss = lossBefore };
            var lossOnly = KernelOutputs.ReduceLoss | KernelOutputs.LossPerElement | (outputs & (KernelOutputs.BroadcastVariance | KernelOutputs.PreparedVariance));
            Dispatch<T, TPar>(job, settings, lossOnly, ref again);
            sums.Loss = again.Loss;
        }

        if ((outputs & KernelOutputs.PreparedVariance) != 0 && job.Prepared.LogVariance.IsEmpty)
        {
            Debug.Assert(SumsTerms(outputs, hasBeta: false), "Only a loss that is only summed takes Σ ln v apart.");
            sums.Loss += 0.5 * job.LogVarianceSum;
        }
    }

    /// <summary>
    /// Whether a prepared job with these settings takes ln v as <see cref="Job{T}.LogVarianceSum"/> rather than per
    /// element: exactly when its loss is only summed, unweighted, which is all it needs ln v for.
    /// </summary>
    internal static bool SumsLogVarianceApart<T>(bool writeLoss, in KernelSettings<T> settings)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        SumsTerms((writeLoss ? KernelOutputs.WriteLoss : 0) | (settings.ReduceLoss ? KernelOutputs.ReduceLoss : 0), hasBeta: settings.Beta != T.Zero);

    /// <summary>
    /// Whether a run sums its loss as its terms, ln v (or its parts) and d²/v, and halves per block: the loss only
    /// summed (not written, not asked for per element) and unweighted.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool SumsTerms(KernelOutputs outputs, bool hasBeta) =>
        (outputs & (KernelOutputs.ReduceLoss | KernelOutputs.WriteLoss | KernelOutputs.LossPerElement)) == KernelOutputs.ReduceLoss && !hasBeta;

    /// <summary>Runs <paramref name="job"/> with the flags that select its loop: prepared variances, β, and <paramref name="outputs"/>.</summary>
    private static void Dispatch<T, TPar>(scoped in Job<T> job, in KernelSettings<T> settings, KernelOutputs outputs, ref Sums sums)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TPar : struct, IParametrization
    {
        if ((outputs & KernelOutputs.PreparedVariance) != 0)
        {
            Debug.Assert(settings.Beta == T.Zero, "Prepared variances carry no β weight.");
            if (job.PreparedPerVector)
            {
                RunOutputs<T, TPar, No, PerVector>(job, settings, outputs & ~KernelOutputs.PreparedVariance, ref sums);
            }
            else if (job.PreparedRowLength > 0)
            {
                RunOutputs<T, TPar, No, PerRow>(job, settings, outputs & ~KernelOutputs.PreparedVariance, ref sums);
            }
            else if (job.PreparedPeriod > 0)
            {
                Debug.Assert((outputs & KernelOutputs.AccumulateVarianceGradient) == 0, "A period's gradient is always added to: the flag is implied.");
                RunOutputs<T, TPar, No, PerPeriod>(job, settings, outputs & ~KernelOutputs.PreparedVariance, ref sums);
            }
            else
            {
                RunOutputs<T, TPar, No, Yes>(job, settings, outputs & ~KernelOutputs.PreparedVariance, ref sums);
            }
        }
        else if (settings.Beta != T.Zero)
        {
            RunOutputs<T, TPar, Yes, No>(job, settings, outputs, ref sums);
        }
        else
        {
            RunOutputs<T, TPar, No, No>(job, settings, outputs, ref sums);
        }
    }

    /// <summary>
    /// Whether the kernel takes d/v by a division rather than as d·(1/v): for a loss written per element without
    /// gradients, where the parametrization has v (not e^s). A prepared job for it holds v in place of 1/v.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool DividesByVariance<TPar>(KernelOutputs outputs)
        where TPar : struct, IParametrization =>
        TPar.TakesLog && (outputs & KernelOutputs.WriteLoss) != 0 && (outputs & (KernelOutputs.InputGradient | KernelOutputs.VarianceGradient)) == 0;

    /// <summary>
    /// Writes ln v, 1/v and the chain factor of each of <paramref name="values"/> (the caller's variance numbers) to
    /// <paramref name="destination"/>, for jobs that spread a few variances over many elements; returns whether a
    /// value the parametrization rejects (a negative σ² or σ) was among them. With <paramref name="variance"/> set
    /// (<see cref="DividesByVariance{TPar}"/>), v itself goes where 1/v would.
    /// </summary>
    internal static bool Prepare<T, TPar>(ReadOnlySpan<T> values, scoped in PreparedSpans<T> destination, in KernelSettings<T> settings, bool variance)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TPar : struct, IParametrization
    {
        Debug.Assert(destination.LogVariance.Length >= values.Length && destination.InverseVariance.Length >= values.Length, "Room for every value.");
        Debug.Assert(!TPar.HasChain || destination.Chain.Length >= values.Length, "Room for every chain factor.");
        int length = values.Length;
        var negative = false;
        int done = PrepareWidth<T, Vec512<T>, TPar>(values, destination, settings, variance, 0, length, ref negative);
        done = PrepareWidth<T, Vec256<T>, TPar>(values, destination, settings, variance, done, length, ref negative);
        done = PrepareWidth<T, Vec128<T>, TPar>(values, destination, settings, variance, done, length, ref negative);
        if (done < length)
        {
            PrepareRange<T, Scalar<T>, TPar>(values, destination, settings, variance, done, length, ref negative);
        }

        return negative;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PrepareWidth<T, TVector, TPar>(ReadOnlySpan<T> values, scoped in PreparedSpans<T> destination, in KernelSettings<T> settings, bool variance, int start, int length, ref bool negative)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T>
        where TPar : struct, IParametrization
    {
        if (!TVector.IsHardwareAccelerated || length - start < TVector.Count)
        {
            return start;
        }

        int end = start + ((length - start) / TVector.Count * TVector.Count);
        PrepareRange<T, TVector, TPar>(values, destination, settings, variance, start, end, ref negative);
        return end;
    }

    // Never inlined: inlined into Prepare, the widest width's loop ran out of the JIT's inlining budget there (its vector
    // operations left as calls), where the listing check of .ci/run, which reads PrepareRange itself, does not look.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void PrepareRange<T, TVector, TPar>(ReadOnlySpan<T> values, scoped in PreparedSpans<T> destination, in KernelSettings<T> settings, bool variance, int start, int end, ref bool negative)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T>
        where TPar : struct, IParametrization
    {
        var k = new KernelConstants<T, TVector>(settings, TPar.LowerClamp(settings));
        ref readonly T source = ref MemoryMarshal.GetReference(values);
        ref T logVariance = ref MemoryMarshal.GetReference(destination.LogVariance);
        ref T inverseVariance = ref MemoryMarshal.GetReference(destination.InverseVariance);
        ref T chain = ref MemoryMarshal.GetReference(destination.Chain);
        var log = LogCoefficients<T, TVector>.Hoisted();
        var tracker = k.Zero;
        for (nuint i = (nuint)start; i < (nuint)end; i += (nuint)TVector.Count)
        {
            var p = TVector.Load(in source, i);
            if (TPar.RejectsNegative)
            {
                tracker = TVector.TrackNegative(tracker, p);
            }

            var prepared = TPar.Prepare<T, TVector>(p, k, log);
            TVector.Store(prepared.LogVariance, ref logVariance, i);
            TVector.Store(variance ? prepared.Variance : prepared.InverseVariance, ref inverseVariance, i);
            if (TPar.HasChain)
            {
                TVector.Store(prepared.Chain, ref chain, i);
            }
        }

        negative |= TVector.HasNegative(tracker);
    }

    /// <summary>What <paramref name="job"/> asks for: the outputs it has room for, and the settings' loss sum.</summary>
    private static KernelOutputs OutputsOf<T>(scoped in Job<T> job, in KernelSettings<T> settings)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var outputs = KernelOutputs.None;
        outputs |= job.Loss.IsEmpty ? 0 : KernelOutputs.WriteLoss;
        outputs |= settings.ReduceLoss ? KernelOutputs.ReduceLoss : 0;
        outputs |= job.InputGradient.IsEmpty ? 0 : KernelOutputs.InputGradient;
        outputs |= !job.VarianceGradient.IsEmpty || job.SumVarianceGradient ? KernelOutputs.VarianceGradient : 0;
        outputs |= job.OutputGradient.IsEmpty ? 0 : KernelOutputs.PerElementScale;
        outputs |= job.BroadcastVariance ? KernelOutputs.BroadcastVariance : 0;
        outputs |= job.AccumulateVarianceGradient ? KernelOutputs.AccumulateVarianceGradient : 0;
        outputs |= job.Prepared.InverseVariance.IsEmpty ? 0 : KernelOutputs.PreparedVariance;
        return outputs;
    }

    /// <summary>
    /// Compiles what the entry points' plain calls compute into the loop, so that it tests no flag per element and
    /// keeps more in registers; any other combination runs with the flags read at run time.
    /// </summary>
    private static void RunOutputs<T, TPar, TBeta, TPrepared>(scoped in Job<T> job, in KernelSettings<T> settings, KernelOutputs outputs, ref Sums sums)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TPar : struct, IParametrization
        where TBeta : struct, IFlag
        where TPrepared : struct, IFlag
    {
        switch (outputs)
        {
            case ForwardBackwardOutputs.Value:
                RunWidths<T, TPar, TBeta, TPrepared, ForwardBackwardOutputs>(job, settings, default, ref sums);
                break;
            case ForwardOutputs.Value:
                RunWidths<T, TPar, TBeta, TPrepared, ForwardOutputs>(job, settings, default, ref sums);
                break;
            case ForwardElementwiseOutputs.Value:
                RunWidths<T, TPar, TBeta, TPrepared, ForwardElementwiseOutputs>(job, settings, default, ref sums);
                break;
            case BackwardOutputs.Value:
                RunWidths<T, TPar, TBeta, TPrepared, BackwardOutputs>(job, settings, default, ref sums);
                break;
            case BackwardElementwiseOutputs.Value:
                RunWidths<T, TPar, TBeta, TPrepared, BackwardElementwiseOutputs>(job, settings, default, ref sums);
                break;
            default:
                RunWidths<T, TPar, TBeta, TPrepared, RuntimeOutputs>(job, settings, new RuntimeOutputs(outputs), ref sums);
                break;
        }
    }

    /// <summary>
    /// The widest accelerated vectors first (with an overlapping last one where it can), then narrower ones, then the last
    /// few elements one at a time.
    /// </summary>
    private static void RunWidths<T, TPar, TBeta, TPrepared, TOutputs>(scoped in Job<T> job, in KernelSettings<T> settings, TOutputs outputs, ref Sums sums)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TPar : struct, IParametrization
        where TBeta : struct, IFlag
        where TPrepared : struct, IFlag
        where TOutputs : struct, IKernelOutputs
    {
        int length = job.Input.Length;
        int done = RunWidth<T, Vec512<T>, TPar, TBeta, TPrepared, TOutputs>(job, settings, outputs, 0, length, ref sums);
        done = RunWidth<T, Vec256<T>, TPar, TBeta, TPrepared, TOutputs>(job, settings, outputs, done, length, ref sums);
        done = RunWidth<T, Vec128<T>, TPar, TBeta, TPrepared, TOutputs>(job, settings, outputs, done, length, ref sums);
        if (done < length)
        {
            RunRange<T, Scalar<T>, TPar, TBeta, TPrepared, TOutputs, No, No>(job, settings, outputs, done, length, ref sums);
        }
    }

    /// <summary>
    /// Asks for the cache line <see cref="PrefetchBytes"/> past <c>source[index]</c>, from the 512-bit loop, which reads one
    /// line of each input per iteration. The address is formed as a raw pointer, not a managed reference, because it may lie
    /// past the end of the data, which a prefetch (it never faults) allows and the garbage collector's references do not.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchAhead<T, TVector>(ref readonly T source, nuint index)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T>
    {
        if (Sse.IsSupported && TVector.Count * sizeof(T) == 64)
        {
            Sse.Prefetch0((byte*)Unsafe.AsPointer(ref Unsafe.Add(ref Unsafe.AsRef(in source), index)) + PrefetchBytes);
        }
    }

    /// <summary>
    /// Prepares a variance shared by a whole run, and its β weight. Kept out of line: it runs once per run, and
    /// inlining it would spend the JIT's inlining budget that the loop needs.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Prepared<TVector> PrepareShared<T, TVector, TPar>(TVector p, in KernelSettings<T> settings, bool hasBeta, out TVector weight)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T>
        where TPar : struct, IParametrization
    {
        var k = new KernelConstants<T, TVector>(settings, TPar.LowerClamp(settings));
        var prepared = TPar.Prepare<T, TVector>(p, k, LogCoefficients<T, TVector>.Literals);
        weight = hasBeta ? FastMath.Exp<T, TVector>(TVector.Create(settings.Beta) * prepared.LogVariance) : k.One;
        return prepared;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RunWidth<T, TVector, TPar, TBeta, TPrepared, TOutputs>(scoped in Job<T> job, in KernelSettings<T> settings, TOutputs outputs, int start, int length, ref Sums sums)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T>
        where TPar : struct, IParametrization
        where TBeta : struct, IFlag
        where TPrepared : struct, IFlag
        where TOutputs : struct, IKernelOutputs
    {
        if (!TVector.IsHardwareAccelerated || length - start < TVector.Count)
        {
            return start;
        }

        // The widest width runs first, from the job's first element: an overlapping run (RunRange's TOverlap) relies on it.
        Debug.Assert(TVector.Count != WidestLanes<T>() || start == 0, "The widest width starts the job.");
        int end = start + ((length - start) / TVector.Count * TVector.Count);

        // Whole blocks per run, so that the blocks fall where one run over everything would put them.
        if (typeof(TVector) == typeof(Vec512<T>) && typeof(TPrepared) == typeof(No) && JobStreams(job, outputs.Flags))
        {
            var varianceGradient = job.BroadcastVariance ? default : job.VarianceGradient;
            job.StreamCarry.Begin(job.Loss, job.InputGradient, varianceGradient, start);
            if (job.StreamCarry.NonTemporal)
            {
                RunStreamed<T, TVector, TPar, TBeta, TPrepared, TOutputs, Yes>(job, settings, outputs, start, end, ref sums);
            }
            else if (job.StreamCarry.SplitsStores)
            {
                // A loop of its own: a choice per store in the loop through the caches cost that loop up to 7% where
                // the carry said no (paired, 128 Ki-512 Ki floats).
                RunStreamed<T, TVector, TPar, TBeta, TPrepared, TOutputs, Split>(job, settings, outputs, start, end, ref sums);
            }
            else
            {
                RunStreamed<T, TVector, TPar, TBeta, TPrepared, TOutputs, Cached>(job, settings, outputs, start, end, ref sums);
            }

            job.StreamCarry.End(job.Loss, job.InputGradient, varianceGradient, end);
        }
        else
        {
            for (int runStart = start; runStart < end; runStart += RunLength)
            {
                RunRange<T, TVector, TPar, TBeta, TPrepared, TOutputs, No, No>(job, settings, outputs, runStart, Math.Min(end, runStart + RunLength), ref sums);
            }
        }

        // The last few elements, at the widest width: the vector that ends at the job's end, whose lanes before them are
        // computed again (each writes the value it wrote before) but not summed again, rather than a run at each
        // narrower width, each with its own setup. Not where the variance gradient is added to, which would add those
        // lanes twice, nor per period, where a vector must not start within a vector of a period's end.
        bool overlaps = (outputs.Flags & KernelOutputs.AccumulateVarianceGradient) == 0 && typeof(TPrepared) != typeof(PerPeriod);
        if (end < length && TVector.Count == WidestLanes<T>() && overlaps)
        {
            RunRange<T, TVector, TPar, TBeta, TPrepared, TOutputs, Yes, No>(job, settings, outputs, length - TVector.Count, length, ref sums);
            return length;
        }

        return end;
    }

    /// <summary>
    /// The runs of a job that streams its outputs (<c>JobStreams</c>), whole blocks each, with the stores
    /// <typeparamref name="TStream"/> says; each run continues the carry where the one before stopped, so that none but
    /// the walk's first has a first vector.
    /// </summary>
    private static void RunStreamed<T, TVector, TPar, TBeta, TPrepared, TOutputs, TStream>(scoped in Job<T> job, in KernelSettings<T> settings, TOutputs outputs, int start, int end, ref Sums sums)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T>
        where TPar : struct, IParametrization
        where TBeta : struct, IFlag
        where TPrepared : struct, IFlag
        where TOutputs : struct, IKernelOutputs
        where TStream : struct, IFlag
    {
        for (int runStart = start; runStart < end; runStart += RunLength)
        {
            RunRange<T, TVector, TPar, TBeta, TPrepared, TOutputs, No, TStream>(job, settings, outputs, runStart, Math.Min(end, runStart + RunLength), ref sums);
            job.StreamCarry.First = nuint.MaxValue;
        }
    }

    /// <summary>
    /// Runs elements [start, end); end − start is a multiple of the vector width. With <typeparamref name="TOverlap"/>
    /// set, the run is the job's last vector, overlapping the run before it (see <c>RunWidth</c>): the lanes that run has
    /// done are written again but left out of the sums. A type parameter, rather than a count of such lanes passed in,
    /// so that the other runs' code has no masks and the method no seventh argument: either, even unused, changed the
    /// JIT's register allocation of the loop enough to cost ForwardElementwise about 10% (harness, medians of processes:
    /// 412-414 against 376-378 ns at 1,024 floats, 5.9-6.0 against 5.3-5.4 µs at 16,384; the loop's constants loaded by
    /// instructions of their own rather than as operands). <typeparamref name="TBeta"/> says
    /// whether β ≠ 0, so that the loop of the plain loss carries no exponential at all; <typeparamref name="TPrepared"/>
    /// whether 1/v (and ln v, where the job has it) are read from <see cref="Job{T}.Prepared"/>, per element (Yes), one
    /// entry per vector (<see cref="PerVector"/>), per row (<see cref="PerRow"/>) or per element of a period
    /// (<see cref="PerPeriod"/>); <paramref name="outputs"/> says what to compute, known at compile
    /// time for the common combinations. <typeparamref name="TStream"/> says whether the run writes its per-element
    /// outputs by whole aligned vectors, continuing the walk's <see cref="Job{T}.StreamCarry"/> (see <c>JobStreams</c>):
    /// non-temporal ones (<see cref="Yes"/>), through the caches (<see cref="Cached"/>), or the input gradient's
    /// non-temporal and the others' through the caches (<see cref="Split"/>; see <see cref="SplitStoreBytes"/>).
    /// </summary>
    private static void RunRange<T, TVector, TPar, TBeta, TPrepared, TOutputs, TOverlap, TStream>(scoped in Job<T> job, in KernelSettings<T> settings, TOutputs outputs, int start, int end, ref Sums sums)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T>
        where TPar : struct, IParametrization
        where TBeta : struct, IFlag
        where TPrepared : struct, IFlag
        where TOutputs : struct, IKernelOutputs
        where TOverlap : struct, IFlag
        where TStream : struct, IFlag
    {
        // An overlapping run is the job's last vector at the widest width, whose runs before it ended at the last whole
        // vector: the lanes before the job's last length mod width elements are done already.
        int summedBefore = typeof(TOverlap) == typeof(Yes) ? TVector.Count - (job.Input.Length % TVector.Count) : 0;
        Debug.Assert(typeof(TOverlap) != typeof(Yes) || (end == job.Input.Length && end - start == TVector.Count && summedBefore < TVector.Count), "One vector, at the end.");
        var k = new KernelConstants<T, TVector>(settings, TPar.LowerClamp(settings));

        ref readonly T input = ref MemoryMarshal.GetReference(job.Input);
        ref readonly T target = ref MemoryMarshal.GetReference(job.Target);
        ref readonly T variance = ref MemoryMarshal.GetReference(job.Variance);
        ref readonly T outputGradient = ref MemoryMarshal.GetReference(job.OutputGradient);
        ref T loss = ref MemoryMarshal.GetReference(job.Loss);
        ref T inputGradient = ref MemoryMarshal.GetReference(job.InputGradient);
        ref T varianceGradient = ref MemoryMarshal.GetReference(job.VarianceGradient);
        ref readonly T preparedLogVariance = ref MemoryMarshal.GetReference(job.Prepared.LogVariance);
        ref readonly T preparedInverseVariance = ref MemoryMarshal.GetReference(job.Prepared.InverseVariance);
        ref readonly T preparedChain = ref MemoryMarshal.GetReference(job.Prepared.Chain);

        var flags = outputs.Flags;
        bool writeLoss = (flags & KernelOutputs.WriteLoss) != 0;
        bool reduceLoss = (flags & KernelOutputs.ReduceLoss) != 0;
        bool needLoss = writeLoss || reduceLoss;
        bool wantInputGradient = (flags & KernelOutputs.InputGradient) != 0;
        bool wantVarianceGradient = (flags & KernelOutputs.VarianceGradient) != 0;
        bool needGradient = wantInputGradient || wantVarianceGradient;
        bool perElementScale = (flags & KernelOutputs.PerElementScale) != 0;
        bool hasBeta = TBeta.IsSet;
        bool preparedVariance = TPrepared.IsSet;
        bool preparedPerVector = typeof(TPrepared) == typeof(PerVector);
        Debug.Assert(!preparedPerVector || TVector.Count == WidestLanes<T>() || start == end, "Entries per vector of the widest width, which alone runs.");

        // One entry per row (PerRow), or per element of a period (PerPeriod): element i is in row (or period) i/L, L the
        // row's (or period's) length, computed as (i·m) >> 32 with m = ⌈2^32/L⌉, exact while i·L < 2^32 (the error
        // i·(m − 2^32/L)/2^32 stays below 1/L).
        bool preparedPerRow = typeof(TPrepared) == typeof(PerRow);
        bool preparedPerPeriod = typeof(TPrepared) == typeof(PerPeriod);
        nuint entryLength = preparedPerRow ? (nuint)job.PreparedRowLength : preparedPerPeriod ? (nuint)job.PreparedPeriod : 1;
        ulong entryMultiplier = preparedPerRow || preparedPerPeriod ? ((1UL << 32) + entryLength - 1) / entryLength : 0;
        Debug.Assert(!preparedPerRow || ((ulong)job.Input.Length * entryLength < (1UL << 32) && (int)entryLength > WidestLanes<T>()), "Rows wider than a vector, and few enough elements.");
        Debug.Assert(!preparedPerPeriod || ((ulong)job.Input.Length * entryLength < (1UL << 32) && (int)entryLength % WidestLanes<T>() == 0), "Periods of whole vectors, and few enough elements.");
        bool broadcast = (flags & KernelOutputs.BroadcastVariance) != 0;
        bool divide = DividesByVariance<TPar>(flags);

        // Per period, the variance gradient is added into the period's element (see Job.PreparedPeriod).
        bool accumulate = (flags & KernelOutputs.AccumulateVarianceGradient) != 0 || preparedPerPeriod;

        // A loss that is only summed, unweighted, is summed as ln v + d²/v: the ½ and the constant are applied to the
        // block's sum, which saves a multiply-add per vector. Halving the sum gives the same bits as halving each term;
        // the constant, added as count·c in double, does not (the full loss differs from LossPerElement's in the last
        // bits). Where the terms overflow but their halves would not, Run sums the job again with LossPerElement.
        bool sumTerms = SumsTerms(flags, hasBeta);

        // A summed loss needs Σ ln v, not each ln v: with v = m·2^e it is ln(Π m) + ln 2·Σe. So where the kernel would
        // take the logarithm of each variance, it multiplies the significands lane by lane (a few instructions instead
        // of a logarithm's multiply-adds and its division), adds the exponents, and takes one logarithm of each
        // lane's product at the end of the run (at most RunLength elements). Each rounding of the product would move
        // its logarithm by up to an ulp of 1, many ulps of ln v where v is near 1, so the product carries its rounding
        // errors along (MultiplyCompensated), which takes a fused multiply-add. Vectors only: the scalar path (the last
        // elements of jobs shorter than the widest vector or that add into the variance gradient, and machines without
        // SIMD) keeps summing ln v + d²/v in one lane of the element type, so that a loss of fewer elements than a vector
        // holds is a sum in T, of which the mean is the quotient rounded once (see AccuracyTests).
        bool multiplySignificands = sumTerms && TPar.TakesLog && !broadcast && !preparedVariance && TVector.Count > 1 && FastMath.MultiplyAddIsFused;

        // Where the loop takes a logarithm per element, its coefficients stay in registers (see LogCoefficients).
        var log = TPar.TakesLog && !multiplySignificands ? LogCoefficients<T, TVector>.Hoisted() : LogCoefficients<T, TVector>.Literals;

        // The loop sums d²/v alone where Σ ln v comes from elsewhere: the products above, or a prepared job's
        // LogVarianceSum (which a job re-run with LossPerElement also has: its ln v per element is then zero).
        bool squaresOnly = multiplySignificands || (sumTerms && preparedVariance);
        bool preparedLog = !job.Prepared.LogVariance.IsEmpty;
        Debug.Assert(!(sumTerms && preparedVariance && preparedLog), "A prepared job whose loss is only summed has Σ ln v, not ln v per element.");
        var beta = TVector.Create(settings.Beta);

        // A broadcast variance is prepared once for the whole run: one value for every element, or one per lane (rows
        // exactly a vector wide, per column).
        Prepared<TVector> shared = default;
        TVector sharedWeight = k.One;
        TVector negative = k.Zero;
        if (broadcast)
        {
            Debug.Assert(job.Variance.Length == 1 || job.Variance.Length == TVector.Count, "One variance, or one per lane of this width.");
            var p = job.Variance.Length == 1 ? TVector.Create(job.Variance[0]) : TVector.Load(in variance, 0);
            shared = PrepareShared<T, TVector, TPar>(p, settings, hasBeta, out sharedWeight);

            if (TPar.RejectsNegative)
            {
                negative = TVector.TrackNegative(negative, p);
            }
        }

        nuint width = (nuint)TVector.Count;
        nuint i = (nuint)start;
        nuint last = (nuint)end;

        // The caller's arrays are read two vectors ahead of where the outputs are written (see LoadDistance): at the top
        // of each iteration, …Here holds element i and …Next element i + width. Loops that read their flags at run time
        // (a scalar variance, per column of exactly a vector, the less common combinations of outputs) carry only the
        // input and the target: carrying the variance and the output gradient too, which such a loop may not read, cost
        // the scalar-variance loop 8-11% (harness, 16,384 floats: 2.90 -> 3.23 µs).
        Debug.Assert(LoadDistance == 2, "The loop carries exactly two vectors of each stream.");
        bool compiledOutputs = typeof(TOutputs) != typeof(RuntimeOutputs);
        bool loadsVariance = !broadcast && !preparedVariance && compiledOutputs;
        bool loadsOutputGradient = perElementScale && compiledOutputs;
        nuint lastVector = i < last ? last - width : i;
        TVector inputHere = default, inputNext = default, targetHere = default, targetNext = default;
        TVector varianceHere = default, varianceNext = default, outputGradientHere = default, outputGradientNext = default;
        if (i < last)
        {
            nuint next = Math.Min(i + width, lastVector);
            inputHere = TVector.Load(in input, i);
            inputNext = TVector.Load(in input, next);
            targetHere = TVector.Load(in target, i);
            targetNext = TVector.Load(in target, next);
            if (loadsVariance)
            {
                varianceHere = TVector.Load(in variance, i);
                varianceNext = TVector.Load(in variance, next);
            }

            if (loadsOutputGradient)
            {
                outputGradientHere = TVector.Load(in outputGradient, i);
                outputGradientNext = TVector.Load(in outputGradient, next);
            }
        }

        // Streamed outputs (see JobStreams) are written by whole aligned vectors, each straddling two computed ones; a run
        // that continues where the last one stopped takes its last vectors from the carry and treats no vector as first.
        // (Written out here, in one local, with the carry read and written as raw bytes, rather than in helpers: the JIT's
        // inlining budget grows with this method's own code and is spent by what it inlines and by its locals, and
        // helpers and a local per stream spent it before the calls after the loop.)
        StreamRegisters<T, TVector> streams = default;
        if (typeof(TStream) != typeof(No))
        {
            streams.First = job.StreamCarry.State[2 * StreamCarry<T>.Outputs];
            streams.LossShift = job.StreamCarry.State[0];
            streams.LossIndices = Unsafe.ReadUnaligned<TVector>(ref Unsafe.As<T, byte>(ref job.StreamCarry.Indices[0]));
            streams.Loss = Unsafe.ReadUnaligned<TVector>(ref Unsafe.As<T, byte>(ref job.StreamCarry.Vectors[0]));
            streams.InputGradientShift = job.StreamCarry.State[1];
            streams.InputGradientIndices = Unsafe.ReadUnaligned<TVector>(ref Unsafe.As<T, byte>(ref job.StreamCarry.Indices[TVector.Count]));
            streams.InputGradient = Unsafe.ReadUnaligned<TVector>(ref Unsafe.As<T, byte>(ref job.StreamCarry.Vectors[TVector.Count]));
            streams.VarianceGradientShift = job.StreamCarry.State[2];
            streams.VarianceGradientIndices = Unsafe.ReadUnaligned<TVector>(ref Unsafe.As<T, byte>(ref job.StreamCarry.Indices[2 * TVector.Count]));
            streams.VarianceGradient = Unsafe.ReadUnaligned<TVector>(ref Unsafe.As<T, byte>(ref job.StreamCarry.Vectors[2 * TVector.Count]));
        }

        TVector significands = k.One;
        TVector significandsError = k.Zero;
        while (i < last)
        {
            nuint blockStart = i;
            nuint blockEnd = Math.Min(i + BlockSize, last);
            TVector lossSum = k.Zero;
            TVector varianceGradientSum = k.Zero;
            TVector exponents = k.Zero;
            while (i < blockEnd)
            {
                nuint productEnd = Math.Min(i + (ProductLength * width), blockEnd);
                for (; i < productEnd; i += width)
                {
                    // Only the 512-bit loop prefetches (see PrefetchAhead); tested here so that the other widths do
                    // not spend the inlining budget on calls that compile to nothing.
                    if (typeof(TVector) == typeof(Vec512<T>))
                    {
                        PrefetchAhead<T, TVector>(in input, i);
                        PrefetchAhead<T, TVector>(in target, i);
                        if (!broadcast && !preparedVariance)
                        {
                            PrefetchAhead<T, TVector>(in variance, i);
                        }
                    }

                    nuint ahead = Math.Min(i + (LoadDistance * width), lastVector);
                    var d = inputHere - targetHere;
                    inputHere = inputNext;
                    inputNext = TVector.Load(in input, ahead);
                    targetHere = targetNext;
                    targetNext = TVector.Load(in target, ahead);
                    var elementVariance = varianceHere;
                    if (loadsVariance)
                    {
                        varianceHere = varianceNext;
                        varianceNext = TVector.Load(in variance, ahead);
                    }

                    var elementOutputGradient = outputGradientHere;
                    if (loadsOutputGradient)
                    {
                        outputGradientHere = outputGradientNext;
                        outputGradientNext = TVector.Load(in outputGradient, ahead);
                    }

                    nuint at = i; // where the element's prepared values and accumulated gradient are
                    Prepared<TVector> prepared;
                    TVector weight;
                    if (broadcast)
                    {
                        prepared = shared;
                        weight = sharedWeight;
                    }
                    else if (preparedVariance)
                    {
                        // Per row: the vector's first lane is in row `row`, and its lanes from `split` on (if any) in the next.
                        // Per period: the vector is elements [at, at + width) of period `row`.
                        nuint row = preparedPerRow || preparedPerPeriod ? (nuint)(((ulong)i * entryMultiplier) >> 32) : 0;
                        int split = preparedPerRow ? (int)(((row + 1) * entryLength) - i) : 0;
                        at = preparedPerPeriod ? i - (row * entryLength) : i;
                        prepared = new Prepared<TVector>
                        {
                            LogVariance = !sumTerms && preparedLog ? LoadPrepared<T, TVector, TPrepared>(in preparedLogVariance, at, row, split) : k.Zero,
                            InverseVariance = LoadPrepared<T, TVector, TPrepared>(in preparedInverseVariance, at, row, split),
                            Chain = TPar.HasChain ? LoadPrepared<T, TVector, TPrepared>(in preparedChain, at, row, split) : default,
                        };
                        weight = k.One;
                    }
                    else
                    {
                        var p = loadsVariance ? elementVariance : TVector.Load(in variance, i);
                        if (TPar.RejectsNegative)
                        {
                            negative = TVector.TrackNegative(negative, p);
                        }

                        prepared = TPar.Prepare<T, TVector>(p, k, log, withLog: !multiplySignificands);
                        weight = hasBeta ? FastMath.Exp<T, TVector>(beta * prepared.LogVariance) : k.One;
                        if (multiplySignificands)
                        {
                            TVector.Split(prepared.Variance, out var e, out var m);
                            MultiplyCompensated<T, TVector>(ref significands, ref significandsError, m);
                            exponents += e;
                        }
                    }

                    // A loss written per element without gradients takes d/v by one division, rounded once and a multiply
                    // fewer (ForwardElementwise's loop is bound by the FMA pipes); a prepared job then holds v where it
                    // would hold 1/v (see DividesByVariance). Elsewhere d·(1/v): gradients reuse 1/v, and a summed loss
                    // has the same bits with gradients as without.
                    var r = divide
                        ? d / (preparedVariance && !broadcast ? prepared.InverseVariance : prepared.Variance)
                        : d * prepared.InverseVariance;
                    var q = r * d; // only the log-variance gradient uses it; the loss fuses it into ln v + d²/v

                    if (squaresOnly)
                    {
                        lossSum = TVector.MultiplyAdd(r, d, lossSum);
                    }
                    else if (sumTerms)
                    {
                        lossSum += TVector.MultiplyAdd(r, d, prepared.LogVariance);
                    }
                    else if (needLoss)
                    {
                        var elementLoss = TVector.MultiplyAdd(k.Half, TVector.MultiplyAdd(r, d, prepared.LogVariance), k.Constant);
                        if (hasBeta)
                        {
                            elementLoss *= weight;
                        }

                        if (writeLoss)
                        {
                            if (typeof(TStream) == typeof(No))
                            {
                                TVector.Store(elementLoss, ref loss, i);
                            }
                            else if (i == streams.First && streams.LossShift != 0)
                            {
                                TVector.Store(elementLoss, ref loss, i);
                                streams.Loss = elementLoss;
                            }
                            else
                            {
                                TVector.StoreStraddled(streams.Loss, elementLoss, streams.LossIndices, ref loss, i - streams.LossShift, nonTemporal: typeof(TStream) == typeof(Yes));
                                streams.Loss = elementLoss;
                            }
                        }

                        if (reduceLoss)
                        {
                            lossSum += elementLoss;
                        }
                    }

                    if (needGradient)
                    {
                        // The input gradient's factor, and half of it for the variance gradient.
                        TVector scale;
                        TVector halfScale;
                        if (perElementScale)
                        {
                            scale = loadsOutputGradient ? elementOutputGradient : TVector.Load(in outputGradient, i);
                            if (hasBeta)
                            {
                                scale *= weight;
                            }

                            halfScale = scale * k.Half;
                        }
                        else if (hasBeta)
                        {
                            scale = k.Scale * weight;
                            halfScale = k.HalfScale * weight;
                        }
                        else
                        {
                            scale = k.Scale;
                            halfScale = k.HalfScale;
                        }

                        if (wantInputGradient)
                        {
                            if (typeof(TStream) == typeof(No))
                            {
                                TVector.Store(r * scale, ref inputGradient, i);
                            }
                            else if (i == streams.First && streams.InputGradientShift != 0)
                            {
                                TVector.Store(r * scale, ref inputGradient, i);
                                streams.InputGradient = r * scale;
                            }
                            else
                            {
                                TVector.StoreStraddled(streams.InputGradient, r * scale, streams.InputGradientIndices, ref inputGradient, i - streams.InputGradientShift, nonTemporal: typeof(TStream) == typeof(Yes) || typeof(TStream) == typeof(Split));
                                streams.InputGradient = r * scale;
                            }
                        }

                        if (wantVarianceGradient)
                        {
                            var g = TPar.Gradient<T, TVector>(prepared, r, q, halfScale);
                            if (broadcast)
                            {
                                varianceGradientSum += g;
                            }
                            else if (accumulate)
                            {
                                // A job's first period writes its gradients (as 0 + g, the bits an added-to zero would
                                // have), so that its buffer needs no clearing; every other element adds its gradient in.
                                var sum = preparedPerPeriod && at == i ? g + k.Zero : TVector.Load(in varianceGradient, at) + g;
                                TVector.Store(sum, ref varianceGradient, at);
                            }
                            else
                            {
                                if (typeof(TStream) == typeof(No))
                                {
                                    TVector.Store(g, ref varianceGradient, i);
                                }
                                else if (i == streams.First && streams.VarianceGradientShift != 0)
                                {
                                    TVector.Store(g, ref varianceGradient, i);
                                    streams.VarianceGradient = g;
                                }
                                else
                                {
                                    TVector.StoreStraddled(streams.VarianceGradient, g, streams.VarianceGradientIndices, ref varianceGradient, i - streams.VarianceGradientShift, nonTemporal: typeof(TStream) == typeof(Yes));
                                    streams.VarianceGradient = g;
                                }
                            }
                        }
                    }
                }

                if (multiplySignificands)
                {
                    // Back to one significand per lane before the product can leave the exponent range.
                    TVector.Split(significands, out var e, out significands);
                    significandsError = TVector.ScaleByPowerOfTwo(significandsError, k.Zero - e);
                    exponents += e;
                }
            }

            if (typeof(TOverlap) == typeof(Yes))
            {
                // A last vector that overlaps the elements before it (see RunWidth): only its lanes from summedBefore on count.
                lossSum = TVector.Join(k.Zero, lossSum, summedBefore);
                varianceGradientSum = TVector.Join(k.Zero, varianceGradientSum, summedBefore);
                exponents = TVector.Join(k.Zero, exponents, summedBefore);
                significands = TVector.Join(k.One, significands, summedBefore);
                significandsError = TVector.Join(k.Zero, significandsError, summedBefore);
            }

            if (sumTerms)
            {
                double terms = double.CreateTruncating(TVector.Sum(lossSum));
                if (multiplySignificands)
                {
                    terms += Ln2 * double.CreateTruncating(TVector.Sum(exponents));
                }

                sums.Loss += (0.5 * terms) + (double.CreateTruncating(settings.Constant) * (blockEnd - blockStart - (nuint)summedBefore));
            }
            else if (reduceLoss)
            {
                sums.Loss += double.CreateTruncating(TVector.Sum(lossSum));
            }

            if (broadcast && wantVarianceGradient)
            {
                if (job.VarianceGradient.IsEmpty)
                {
                    sums.VarianceGradient += double.CreateTruncating(TVector.Sum(varianceGradientSum));
                }
                else
                {
                    TVector.Store(TVector.Load(in varianceGradient, 0) + varianceGradientSum, ref varianceGradient, 0);
                }
            }
        }

        if (typeof(TStream) != typeof(No) && last > (nuint)start)
        {
            // The last vector, whose lanes past the last aligned vector wait for the next run's first vector, or the flush.
            if (writeLoss)
            {
                Unsafe.WriteUnaligned(ref Unsafe.As<T, byte>(ref job.StreamCarry.Vectors[0]), streams.Loss);
            }

            if (wantInputGradient)
            {
                Unsafe.WriteUnaligned(ref Unsafe.As<T, byte>(ref job.StreamCarry.Vectors[TVector.Count]), streams.InputGradient);
            }

            if (wantVarianceGradient && !broadcast)
            {
                Unsafe.WriteUnaligned(ref Unsafe.As<T, byte>(ref job.StreamCarry.Vectors[2 * TVector.Count]), streams.VarianceGradient);
            }
        }

        // Before the call: a vector live across it would be kept on the stack inside the loop too.
        sums.NegativeVariance |= TVector.HasNegative(negative);
        if (multiplySignificands)
        {
            sums.Loss += HalfSumOfLogs<T, TVector>(significands, significandsError);
        }
    }

    /// <summary>
    /// Whether a job writes its per-element outputs by whole aligned vectors (<c>RunRange</c>'s <c>TStream</c>, Vector512
    /// only, not for prepared variances): it has a carry (<see cref="Job{T}.StreamCarry"/>), something is written per
    /// element and not added to, and each output is aligned to its elements (a span cast from bytes may not be), so that
    /// whole vectors of it can be aligned.
    /// </summary>
    private static unsafe bool JobStreams<T>(scoped in Job<T> job, KernelOutputs flags)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        bool writes = (flags & (KernelOutputs.WriteLoss | KernelOutputs.InputGradient)) != 0
            || ((flags & KernelOutputs.VarianceGradient) != 0 && (flags & KernelOutputs.BroadcastVariance) == 0);
        if (job.StreamCarry.State.IsEmpty || !writes || (flags & KernelOutputs.AccumulateVarianceGradient) != 0)
        {
            return false;
        }

        nuint loss = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(job.Loss));
        nuint inputGradient = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(job.InputGradient));
        nuint varianceGradient = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(job.VarianceGradient));
        return ((loss | inputGradient | varianceGradient) % (nuint)sizeof(T)) == 0;
    }

    /// <summary>
    /// The prepared values of the elements from <paramref name="index"/> on: a vector of them; where the job has one
    /// entry per vector (<see cref="PerVector"/>), that vector's entry in every lane; where it has one per row
    /// (<see cref="PerRow"/>), the entry of <paramref name="row"/> in the lanes below <paramref name="split"/> and the
    /// next row's in the others.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector LoadPrepared<T, TVector, TPrepared>(ref readonly T source, nuint index, nuint row, int split)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T>
        where TPrepared : struct, IFlag
    {
        ref T entries = ref Unsafe.AsRef(in source);
        if (typeof(TPrepared) == typeof(PerVector))
        {
            return TVector.Create(Unsafe.Add(ref entries, index / (nuint)TVector.Count));
        }

        if (typeof(TPrepared) == typeof(PerRow))
        {
            return TVector.Join(TVector.Create(Unsafe.Add(ref entries, row)), TVector.Create(Unsafe.Add(ref entries, row + 1)), split);
        }

        return TVector.Load(in source, index);
    }

    /// <summary>
    /// Multiplies the product <c>P − E</c> (<paramref name="product"/> and <paramref name="error"/>) by
    /// <paramref name="factor"/>, keeping the rounding error of each multiplication (exact, by a fused multiply-add) in
    /// <paramref name="error"/>: Graillat's compensated product, whose result is as accurate as if it had been
    /// computed in twice the precision and rounded once. Without it each rounding would move the product's logarithm
    /// by up to an ulp of 1, which for variances near 1 (ln v near 0) is many ulps of the sum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyCompensated<T, TVector>(ref TVector product, ref TVector error, TVector factor)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T>
    {
        var rounded = product * factor;

        // rounded − product·factor, exactly; the error carried so far is scaled along with the product.
        error = TVector.MultiplyAdd(error, factor, TVector.NegatedMultiplyAdd(product, factor, rounded));
        product = rounded;
    }

    /// <summary>
    /// ½·Σ ln(P − E) over the lanes, for a compensated product (see <see cref="MultiplyCompensated"/>): ln P − E/P,
    /// the error being below an ulp of P. Out of line: it runs once per run, and a second copy of the logarithm
    /// inlined into the kernel would spend the JIT's inlining budget that the loop needs.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double HalfSumOfLogs<T, TVector>(TVector product, TVector error)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T> =>
        0.5 * double.CreateTruncating(TVector.Sum(FastMath.Log<T, TVector>(product) - (error / product)));
}

/// <summary>
/// The outputs of a run that streams (<c>RunRange</c>'s <c>TStream</c>), in registers: for each output, how many
/// elements before a computed vector the aligned vector that ends within it starts (its shift), the indices that take
/// that aligned vector from the computed vector and the one before (see <see cref="ISimdVector{TSelf, T}.StoreStraddled"/>),
/// and the one before; and the element at which the walk's first vector is, if in this run. The run reads them all from
/// the walk's <see cref="StreamCarry{T}"/> and hands back its last vectors.
/// </summary>
internal struct StreamRegisters<T, TVector>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TVector : struct, ISimdVector<TVector, T>
{
    public nuint First;
    public nuint LossShift;
    public TVector LossIndices;
    public TVector Loss;
    public nuint InputGradientShift;
    public TVector InputGradientIndices;
    public TVector InputGradient;
    public nuint VarianceGradientShift;
    public TVector VarianceGradientIndices;
    public TVector VarianceGradient;
}

/// <summary>
/// What the runs of a walk that streams its outputs (<see cref="Job{T}.StreamCarry"/>) hand on to each other, on the
/// walk's stack: for each output (the loss, the input gradient, the variance gradient), the last vector computed, the
/// shift and indices of <see cref="StreamRegisters{T, TVector}"/>, and the address where the last job's part of it ended
/// (0 for none); and the element at which the walk's first vector is (else <see cref="nuint.MaxValue"/>). The lanes of
/// the last vector past the last aligned vector are written by the next job, which continues from that address, or else
/// by <see cref="Flush"/>: the walk flushes (and, for non-temporal stores, fences) when it has run every job it gives
/// the carry to (<see cref="FlushAll"/>), and keeps the outputs pinned until then, as the carry holds their addresses.
/// </summary>
/// <remarks>
/// So only each walk's (each worker's) first and last lines of an output take stores that are not whole aligned lines,
/// besides the last few elements of the call that are not a whole vector. Measured with non-temporal stores (harness,
/// ForwardBackward, 1,048,576 floats, outputs 8 bytes past a cache line): with masked plain stores of the partial lines
/// at every run's ends instead, 441 against 329 µs without them, about 200 ns per such store; the same stores into a
/// buffer elsewhere cost nothing, so it is how they meet the non-temporal stores beside them, not the instructions.
/// </remarks>
internal ref struct StreamCarry<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>The number of outputs a carry holds.</summary>
    public const int Outputs = 3;

    /// <summary>How many entries <see cref="State"/> has.</summary>
    public const int StateLength = (2 * Outputs) + 1;

    /// <summary>One Vector512 of each output: its last vector.</summary>
    public Span<T> Vectors;

    /// <summary>One Vector512 of each output: its indices (see <see cref="StreamRegisters{T, TVector}"/>).</summary>
    public Span<T> Indices;

    /// <summary>Each output's shift, then each output's end address, then <see cref="First"/>.</summary>
    public Span<nuint> State;

    /// <summary>Whether the aligned vectors go past the caches (non-temporal stores; see <see cref="LossKernel.StreamingBytes"/>).</summary>
    public bool NonTemporal;

    /// <summary>
    /// Whether, where the others go through the caches, the input gradient's aligned vectors go past them (see
    /// <see cref="LossKernel.SplitStoreBytes"/>).
    /// </summary>
    public bool SplitsStores;

    /// <summary>How many elements <see cref="Vectors"/> and <see cref="Indices"/> each need.</summary>
    public static int VectorsLength => Outputs * Vector512<T>.Count;

    /// <summary>The element at which the walk's first vector is, in the job that has it; else <see cref="nuint.MaxValue"/>.</summary>
    public readonly nuint First
    {
        get => State[2 * Outputs];
        set => State[2 * Outputs] = value;
    }

    /// <summary>
    /// Starts a job's streamed runs, from element <paramref name="start"/> of its outputs (each possibly empty). The job
    /// continues the carried vectors only if every output's ends where the job's starts (and an empty output has none);
    /// otherwise every output is flushed and the job's first vector is the walk's, so that no output is left half
    /// continued.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public readonly void Begin(Span<T> loss, Span<T> inputGradient, Span<T> varianceGradient, int start)
    {
        bool continues = Continues(0, loss, start) & Continues(1, inputGradient, start) & Continues(2, varianceGradient, start);
        if (!continues)
        {
            for (int output = 0; output < Outputs; output++)
            {
                Flush(output);
            }
        }

        Align(0, loss, start);
        Align(1, inputGradient, start);
        Align(2, varianceGradient, start);
        First = continues ? nuint.MaxValue : (nuint)start;
    }

    /// <summary>Records where each of a job's streamed outputs ends, element <paramref name="end"/>, for the next job.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public readonly void End(Span<T> loss, Span<T> inputGradient, Span<T> varianceGradient, int end)
    {
        State[Outputs] = Address(loss, end);
        State[Outputs + 1] = Address(inputGradient, end);
        State[Outputs + 2] = Address(varianceGradient, end);
    }

    /// <summary>
    /// Writes what output <paramref name="output"/>'s carried vector has not: its elements from the last aligned address
    /// before its end on (a plain copy, part of a line shared with what follows).
    /// </summary>
    public readonly unsafe void Flush(int output)
    {
        nuint end = State[Outputs + output];
        if (end == 0)
        {
            return;
        }

        int width = Vector512<T>.Count;
        int pending = (int)(end % (nuint)(width * sizeof(T)) / (nuint)sizeof(T));
        Vectors.Slice((output * width) + width - pending, pending).CopyTo(new Span<T>((T*)end - pending, pending));
        State[Outputs + output] = 0;
    }

    /// <summary>
    /// Flushes every output, then, where any stores were non-temporal (<see cref="NonTemporal"/>,
    /// <see cref="SplitsStores"/>), fences: those are not ordered with other stores, as other threads see them, until
    /// then.
    /// </summary>
    public readonly void FlushAll()
    {
        if (State.IsEmpty)
        {
            return;
        }

        for (int output = 0; output < Outputs; output++)
        {
            Flush(output);
        }

        if ((NonTemporal || SplitsStores) && Sse.IsSupported)
        {
            Sse.StoreFence();
        }
    }

    /// <summary>The address of element <paramref name="index"/> of <paramref name="output"/>; 0 for an empty output.</summary>
    private static unsafe nuint Address(Span<T> output, int index) =>
        output.IsEmpty ? 0 : (nuint)Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetReference(output), index));

    /// <summary>Whether output <paramref name="output"/>'s carried vector ends where the job's part of it starts.</summary>
    private readonly bool Continues(int output, Span<T> part, int start) => State[Outputs + output] == Address(part, start);

    /// <summary>The shift and indices of output <paramref name="output"/>, from the address of its first element.</summary>
    private readonly void Align(int output, Span<T> part, int start)
    {
        // The aligned vector before each computed one starts shift elements before it: its 32-bit lanes are those of the
        // previous vector from 16 − shift·size/4 on, then the computed vector's (index 16 on).
        int shift = (int)(Address(part, start) % 64 / (nuint)Unsafe.SizeOf<T>());
        State[output] = (nuint)shift;
        Vector512.CreateSequence(Vector512<int>.Count - (shift * Unsafe.SizeOf<T>() / sizeof(int)), 1).As<int, T>().StoreUnsafe(ref Indices[output * Vector512<T>.Count]);
    }
}

/// <summary>A compile-time boolean: the JIT specialises a generic method for each and drops the dead branches.</summary>
internal interface IFlag
{
    static abstract bool IsSet { get; }
}

/// <summary>The flag that is set.</summary>
internal readonly struct Yes : IFlag
{
    public static bool IsSet => true;
}

/// <summary>
/// The flag that is set, in its second sense: for the prepared variance, one entry per vector rather than per element
/// (rows exactly one vector wide).
/// </summary>
internal readonly struct PerVector : IFlag
{
    public static bool IsSet => true;
}

/// <summary>
/// The flag that is set, in its third sense: for the prepared variance, one entry per row of a per-row layout whose
/// rows are wider than a vector (<see cref="Job{T}.PreparedRowLength"/>).
/// </summary>
internal readonly struct PerRow : IFlag
{
    public static bool IsSet => true;
}

/// <summary>
/// The flag that is set, in its fourth sense: for the prepared variance, one entry per element of a period of a per-column
/// layout (<see cref="Job{T}.PreparedPeriod"/>), into whose elements the variance gradient is added.
/// </summary>
internal readonly struct PerPeriod : IFlag
{
    public static bool IsSet => true;
}

/// <summary>
/// The flag that is set, in its fifth sense: for <c>RunRange</c>'s <c>TStream</c>, whole aligned vectors stored through
/// the caches (where <see cref="Yes"/> stores them non-temporally; see <see cref="LossKernel.AlignedStoreBytes"/>).
/// </summary>
internal readonly struct Cached : IFlag
{
    public static bool IsSet => true;
}

/// <summary>
/// The flag that is set, in its sixth sense: for <c>RunRange</c>'s <c>TStream</c>, whole aligned vectors, the input
/// gradient's stored non-temporally and the others' through the caches (see <see cref="LossKernel.SplitStoreBytes"/>).
/// </summary>
internal readonly struct Split : IFlag
{
    public static bool IsSet => true;
}

/// <summary>The flag that is clear.</summary>
internal readonly struct No : IFlag
{
    public static bool IsSet => false;
}
