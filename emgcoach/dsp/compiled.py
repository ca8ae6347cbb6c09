"""Compiled (numba) inner loops of the streaming stages whose work is per sample, not per filter section.

A live chunk is 20 samples x 4 channels: numpy spends about 1 µs on each call whatever its size, and
the moving RMS, the Bayesian envelope and the onset detector took some 40 calls a chunk between them.
These loops do the same arithmetic in one call each. The IIR filters are not here: they run through
scipy's own compiled `sosfilt` kernel (`dsp.filters`).

The functions are compiled when this module is imported, with explicit signatures, and cached on disk
(`cache=True`: about 0.3 s to load once cached), so a live stream does not stall on its first chunk.
The stages import this module when they are constructed, not at import, so commands that never filter
do not pay for numba. Every array argument is float64; state arrays are updated in place.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numba
import numpy as np


def _jit(signature: str) -> Callable[[Callable[..., Any]], Any]:
    """Compile now for this signature with its first argument (the input samples, never written) taken
    read-only, so any float64 array is accepted; cache the machine code on disk; release the GIL. The
    kernel it returns (a numba dispatcher) is Any to its callers, like the untyped kernels themselves."""
    args, ret = numba.core.sigutils.normalize_signature(signature)
    return numba.njit(ret(args[0].copy(readonly=True), *args[1:]), cache=True, nogil=True, boundscheck=False)


@_jit("void(float64[:, :], float64[:, :], float64[:, ::1], float64[::1], int64[::1])")
def moving_rms(x, out, ring, sums, state):  # pragma: no cover - compiled
    # x, out: (n, ch) µV; ring: (w, ch) last w squared samples; sums: (ch,) their sum;
    # state: [position in ring]. The sum is recomputed exactly from the ring every
    # w samples of absolute count, so rounding never accumulates over more than one window and the
    # recompute points do not depend on the chunking.
    n, ch = x.shape
    w = ring.shape[0]
    inv_w = 1.0 / w
    pos = state[0]
    for i in range(n):
        for c in range(ch):
            v = x[i, c]
            sq = v * v
            sums[c] += sq - ring[pos, c]
            ring[pos, c] = sq
        pos += 1
        if pos == w:
            pos = 0
            for c in range(ch):
                s = 0.0
                for k in range(w):
                    s += ring[k, c]
                sums[c] = s
        for c in range(ch):
            s = sums[c]
            out[i, c] = math.sqrt(s * inv_w) if s > 0.0 else (0.0 if s <= 0.0 else s)  # NaN stays NaN
    state[0] = pos


_LOG2E = 1.4426950408889634
_LN2_HI = 0.6931471803691238  # ln 2 split in two so that k x _LN2_HI is exact for |k| < 2**20
_LN2_LO = 1.9082149292705877e-10
_ROUNDER = 6755399441055744.0  # 1.5 x 2**52: adding it rounds a double to an integer in its low bits
_ROUNDER_BITS = int(np.array([_ROUNDER]).view(np.int64)[0])


@numba.njit(cache=True, nogil=True, boundscheck=False)
def exp_into(x, out, scratch, bits):  # pragma: no cover - compiled
    """out[j] = exp(x[j]) for x clamped to [-708, 709], within 2e-15 relative of math.exp, in loops the
    compiler can vectorise (math.exp is one scalar libm call per value: 3-4x slower here). scratch
    (float64) and bits (int64) are work arrays of x's length. exp(x) = 2^k e^r with k = round(x / ln 2)
    and |r| <= ln 2 / 2, e^r by its Taylor series to r^12 (error below 1e-16 on that range)."""
    n = x.size
    for j in range(n):
        scratch[j] = min(max(x[j], -708.0), 709.0) * _LOG2E + _ROUNDER
    k_bits = scratch.view(np.int64)
    for j in range(n):
        v = min(max(x[j], -708.0), 709.0)
        k = scratch[j] - _ROUNDER
        r = v - k * _LN2_HI - k * _LN2_LO
        p = 1.0 / 479001600.0
        p = p * r + 1.0 / 39916800.0
        p = p * r + 1.0 / 3628800.0
        p = p * r + 1.0 / 362880.0
        p = p * r + 1.0 / 40320.0
        p = p * r + 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        out[j] = p * r + 1.0
        bits[j] = (k_bits[j] - _ROUNDER_BITS + 1023) << 52  # 2^k as the bits of a double
    scale = bits.view(np.float64)
    for j in range(n):
        out[j] *= scale[j]


# One function of 71 lines on purpose: the same three steps as inlined numba helpers gave byte-identical
# output but ran 7-10 % slower (measured interleaved on the 2-core CI machine), on the envelope every
# sample of every channel goes through.
@_jit(
    "int64(float64[:, :], float64[:, :], float64[:, ::1], float64[::1], float64[::1], int64, int64,"
    " float64[:, ::1], float64[::1], float64[::1], float64[::1], float64[::1])"
)
def bayes_envelope(
    x, out, post, acc, est, count, block, band, params, loglik_level, neg_inv_x, grid
):  # pragma: no cover - compiled
    # x: (n, ch) rectified µV (abs taken here); out: (n, ch) posterior mean drive in µV.
    # post: (ch, levels) posterior, sum 1; acc: (ch,) sum of |x| in the current block; est: (ch,)
    # estimate in µV; count: samples already in the current block; returns the new count.
    # band: (2h+1, levels) the diffusion part of the transition by diagonals, band[k, i] = (1-q) T[i, i+k-h];
    # params: [q / levels (jump mass per level), largest block sum, 1.0 to shift each block's
    # log-likelihood by its maximum else 0.0]. loglik_level, neg_inv_x: per-level constant and
    # 1/x coefficient of the block log-likelihood; grid: the levels in µV.
    n, ch = x.shape
    width, levels = band.shape
    h = width // 2
    jump = params[0]
    max_sum = params[1]
    own_shift = params[2] != 0.0
    prior = np.empty(levels)
    loglik = np.empty(levels)
    lik = np.empty(levels)
    scratch = np.empty(levels)
    bits = np.empty(levels, dtype=np.int64)
    for i in range(n):
        for c in range(ch):
            acc[c] += abs(x[i, c])
        count += 1
        if count == block:
            count = 0
            for c in range(ch):
                s = min(acc[c], max_sum)
                acc[c] = 0.0
                p = post[c]
                if h == 1:  # the usual three-point random walk: one pass with fixed offsets
                    below, centre, above = band[0], band[1], band[2]
                    prior[0] = jump + centre[0] * p[0] + above[0] * p[1]
                    for j in range(1, levels - 1):
                        prior[j] = jump + below[j] * p[j - 1] + centre[j] * p[j] + above[j] * p[j + 1]
                    last = levels - 1
                    prior[last] = jump + below[last] * p[last - 1] + centre[last] * p[last]
                else:
                    for j in range(levels):
                        prior[j] = jump
                    for k in range(width):  # one diagonal of the band at a time: contiguous, vectorised
                        d = k - h
                        row = band[k]
                        for j in range(max(0, -d), min(levels, levels - d)):
                            prior[j] += row[j] * p[j + d]
                for j in range(levels):
                    loglik[j] = s * neg_inv_x[j] + loglik_level[j]
                if own_shift:
                    shift = loglik.max()
                    for j in range(levels):
                        loglik[j] -= shift
                exp_into(loglik, lik, scratch, bits)
                total = 0.0
                moment = 0.0
                for j in range(levels):
                    v = prior[j] * lik[j]
                    prior[j] = v
                    total += v
                    moment += v * grid[j]
                if total > 0.0 and math.isfinite(total):
                    inv = 1.0 / total
                    for j in range(levels):
                        p[j] = prior[j] * inv
                    est[c] = moment * inv
                else:  # no level explains the block (cannot happen within the grid): start afresh
                    for j in range(levels):
                        p[j] = 1.0 / levels
        for c in range(ch):
            out[i, c] = est[c]
    return count


@_jit(
    "int64(float64[:, :], float64[::1], int64, int64, int64, boolean[::1], boolean[::1], int64[::1],"
    " int64[::1], int64[::1], boolean[::1])"
)
def threshold_runs(
    env, threshold, first_index, min_on, min_off, active, run_value, run_start, ev_index, ev_channel, ev_onset
):  # pragma: no cover - compiled
    # env: (n, ch) envelope; threshold: (ch,) in the envelope's unit; first_index: absolute index of
    # env[0]. Per channel: active (on now), run_value (above threshold in the run in progress) and
    # run_start (absolute index where that run began), updated in place. A run that differs from the
    # channel's state switches it once it has lasted min_on (above) or min_off (below) samples; the
    # event is timed at the run's start. Events go to ev_* (room for n x ch + ch); returns their count,
    # in the order they were confirmed.
    n, ch = env.shape
    count = 0
    for i in range(n):
        for c in range(ch):
            value = env[i, c] > threshold[c]
            if value != run_value[c]:
                run_value[c] = value
                run_start[c] = first_index + i
            if value != active[c]:
                need = min_on if value else min_off
                if first_index + i + 1 - run_start[c] >= need:
                    active[c] = value
                    ev_index[count] = run_start[c]
                    ev_channel[count] = c
                    ev_onset[count] = value
                    count += 1
    return count
