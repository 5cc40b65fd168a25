"""The reference value for crates/eval/tests/fid.rs: the FID of two fixed 128-d sample sets,
computed with scipy's general matrix square root (scipy.linalg.sqrtm), independently of the
crate's eigendecomposition route. Run: python3 crates/eval/tests/data/fid_reference.py

The samples are generated with integer arithmetic only (a 64-bit LCG and an integer mixing
matrix), so the Rust test rebuilds exactly the same numbers.
"""
import numpy as np
from scipy.linalg import sqrtm

D, N = 128, 400


def uniforms(seed, count):
    state, out = seed, []
    for _ in range(count):
        state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
        out.append((state >> 11) / 2**53)
    return np.array(out)


def mixing(shift):
    j, k = np.meshgrid(np.arange(D), np.arange(D), indexing="ij")
    m = ((j * 31 + k * 17 + shift) % 11) / 25.0 - 0.2
    m[j == k] = 1.0
    return m


def samples(seed, shift, scale, offset):
    z = uniforms(seed, N * D).reshape(N, D) - 0.5
    x = scale * (z @ mixing(shift)) + offset
    return x.astype(np.float32).astype(np.float64)  # the crate fits f32 features


a = samples(1, 0, 1.0, 0.0)
b = samples(2, 3, 1.5, 0.1)
mu = a.mean(0) - b.mean(0)
s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
fid = mu @ mu + np.trace(s1 + s2 - 2 * sqrtm(s1 @ s2).real)
print(repr(fid))
