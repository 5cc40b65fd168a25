"""Reference values for tests/disentanglement.rs, computed from the papers' formulas with numpy,
scipy and scikit-learn (the learners disentanglement_lib uses), independently of the Rust code.

Run: python3 tests/data/disentanglement_reference.py   (numpy, scipy, scikit-learn; writes
tests/data/disentanglement_points.csv and prints the reference values)

The ground truth is synthetic and computed with integer arithmetic and IEEE +, *, / only, so Rust
rebuilds exactly the same codes: dSprites' factor sizes (colour 1, shape 3, scale 6, orientation 40,
x 32, y 32) and the mixing matrix A below, factor values scaled to v_j = f_j / (size_j - 1) (0 for colour), seven codes
code_c = sum_j A[c][j] v_j (summed in factor order) + extra_c + (u(key * 8 + c) - 0.5), where
extra_6 = 0.8 v_3 v_4, key is the factor tuple's mixed-radix index and u(x) the first SplitMix64
output of seed x as a 53-bit uniform.

Sampling replays the crate's documented protocol (one SplitMix64 stream per metric, one
below(size) = ((x >> 11) * size) >> 53 per factor, row by row), so BetaVAE and FactorVAE see the
same batches as the Rust code; the metrics themselves are written here from the formulas.

DCI is run with random_state 0..4 (scikit-learn breaks ties between features at random; the test
compares with the mean). The script takes about 3 minutes on one core.

MIG, SAP, DCI and Modularity read the stored points (disentanglement_points.csv: 2000 training
then 1000 test points drawn with seed 1 from this ground truth, codes rounded to 6 decimals).
"""
import os

import numpy as np
import scipy.stats
import sklearn
from sklearn import ensemble, linear_model, metrics, svm

SIZES = np.array([1, 3, 6, 40, 32, 32])
A = np.array([
    [0, 40, 42, 100, 56, 48],
    [0, 42, 20, 54, 46, 100],
    [0, 100, 48, 46, 42, 20],
    [0, 36, 42, 48, 100, 30],
    [0, 20, 100, 42, 48, 46],
    [0, 30, 40, 50, 40, 30],
    [0, 30, 36, 36, 36, 36],
]) / 100.0
NOISE = 1.0
GAMMA = np.uint64(0x9E3779B97F4A7C15)
HERE = os.path.dirname(os.path.abspath(__file__))


def mix(z):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


class Stream:
    """The SplitMix64 stream: output k is mix(seed + k * GAMMA)."""

    def __init__(self, seed):
        self.seed, self.used = np.uint64(seed), 0

    def take(self, count):
        with np.errstate(over="ignore"):
            k = np.arange(self.used + 1, self.used + count + 1, dtype=np.uint64)
            self.used += count
            return mix(self.seed + k * GAMMA)


def below(draws, n):
    return ((draws >> np.uint64(11)) * np.uint64(n)) >> np.uint64(53)


def uniform(x):
    with np.errstate(over="ignore"):
        return (mix(x + GAMMA) >> np.uint64(11)).astype(np.float64) / 2.0**53


def represent(factors):
    """Codes of factor rows (n x 6 integers), exactly as the Rust test computes them."""
    factors = factors.astype(np.int64)
    v = factors / np.maximum(SIZES - 1, 1)
    key = np.zeros(len(factors), dtype=np.uint64)
    for j, size in enumerate(SIZES):
        key = key * np.uint64(size) + factors[:, j].astype(np.uint64)
    codes = np.zeros((len(factors), A.shape[0]))
    for c in range(A.shape[0]):
        acc = np.zeros(len(factors))
        for j in range(len(SIZES)):
            acc = acc + A[c, j] * v[:, j]
        if c == 6:
            acc = acc + 0.8 * v[:, 3] * v[:, 4]
        codes[:, c] = acc + NOISE * (uniform(key * np.uint64(8) + np.uint64(c)) - 0.5)
    return codes


def sample_factors(stream, count):
    return below(stream.take(count * len(SIZES)).reshape(count, len(SIZES)), SIZES).astype(np.int64)


USED = [j for j, size in enumerate(SIZES) if size > 1]


# ---- BetaVAE (Higgins et al. 2017): z_diff = mean_b |r(x1_b) - r(x2_b)|, label k ----
def beta_vae_samples(stream, batch, count):
    features, labels = [], []
    for _ in range(count):
        k = USED[int(below(stream.take(1), len(USED))[0])]
        first, second = sample_factors(stream, batch), sample_factors(stream, batch)
        second[:, k] = first[:, k]
        features.append(np.mean(np.abs(represent(first) - represent(second)), axis=0))
        labels.append(k)
    return np.array(features), np.array(labels)


def beta_vae(seed=0, batch=64, num_train=10000, num_eval=5000, **model_options):
    stream = Stream(seed)
    x_train, y_train = beta_vae_samples(stream, batch, num_train)
    x_eval, y_eval = beta_vae_samples(stream, batch, num_eval)
    model = linear_model.LogisticRegression(C=1.0, **model_options).fit(x_train, y_train)
    return model.score(x_train, y_train), model.score(x_eval, y_eval)


# ---- FactorVAE (Kim & Mnih 2018): argmin_d Var_batch(z_d) / Var_all(z_d), majority vote ----
def factor_vae(seed=0, batch=64, num_train=10000, num_eval=5000, num_var=10000, threshold=0.05):
    stream = Stream(seed)
    global_var = np.var(represent(sample_factors(stream, num_var)), axis=0, ddof=1)
    active = np.flatnonzero(np.sqrt(global_var) >= threshold)

    def votes(count):
        table = np.zeros((len(SIZES), len(global_var)), dtype=np.int64)
        for _ in range(count):
            k = USED[int(below(stream.take(1), len(USED))[0])]
            factors = sample_factors(stream, batch)
            factors[:, k] = factors[0, k]
            local = np.var(represent(factors), axis=0, ddof=1)
            table[k, active[np.argmin(local[active] / global_var[active])]] += 1
        return table

    train = votes(num_train)
    classifier = np.argmax(train, axis=0)
    codes = np.arange(train.shape[1])
    evaluation = votes(num_eval)
    return (train[classifier, codes].sum() / train.sum(), evaluation[classifier, codes].sum() / evaluation.sum(),
            len(active))


# ---- Stored points ----
def write_points(path, seed=1, num_train=2000, num_test=1000):
    stream = Stream(seed)
    factors = sample_factors(stream, num_train + num_test)
    codes = np.round(represent(factors), 6)
    with open(path, "w") as out:
        out.write(f"# {num_train} training then {num_test} test points; factors (sizes "
                  f"{' '.join(map(str, SIZES))}) then codes. Written by disentanglement_reference.py\n")
        for f, c in zip(factors, codes):
            out.write(",".join(map(str, f)) + "," + ",".join(f"{v:.6f}" for v in c) + "\n")
    return num_train


def read_points(path):
    rows = np.loadtxt(path, delimiter=",", comments="#")
    return rows[:, :len(SIZES)].astype(np.int64), rows[:, len(SIZES):]


def discretize(codes, bins=20):
    """disentanglement_lib's histogram discretizer: np.digitize against np.histogram's edges."""
    out = np.zeros(codes.shape, dtype=np.int64)
    for i in range(codes.shape[1]):
        out[:, i] = np.digitize(codes[:, i], np.histogram(codes[:, i], bins)[1][:-1])
    return out


def mi_matrix(codes, factors):
    binned = discretize(codes)
    return np.array([[metrics.mutual_info_score(factors[:, j], binned[:, i]) for j in USED]
                     for i in range(codes.shape[1])])


def mig(codes, factors):
    """Chen et al. 2018: mean over factors of (I_(1) - I_(2)) / H(v_k)."""
    m = mi_matrix(codes, factors)
    entropy = np.array([metrics.mutual_info_score(factors[:, j], factors[:, j]) for j in USED])
    top = np.sort(m, axis=0)[::-1]
    return np.mean((top[0] - top[1]) / entropy)


def modularity(codes, factors):
    """Ridgeway & Mozer 2018: mean over codes of 1 - sum_(f != max) m^2 / (max m^2 (K - 1))."""
    squared = mi_matrix(codes, factors) ** 2
    best = squared.max(axis=1)
    delta = (squared.sum(axis=1) - best) / (best * (squared.shape[1] - 1))
    return np.mean(np.where(best == 0, 0.0, 1.0 - delta))


def sap(train, test, **svm_options):
    """Kumar et al. 2018 (discrete factors): test accuracy of a LinearSVC per (code, factor), mean top-2 gap."""
    (f_train, c_train), (f_test, c_test) = train, test
    score = np.zeros((c_train.shape[1], len(USED)))
    for i in range(c_train.shape[1]):
        for col, j in enumerate(USED):
            model = svm.LinearSVC(C=0.01, class_weight="balanced", **svm_options)
            model.fit(c_train[:, i:i + 1], f_train[:, j])
            score[i, col] = np.mean(model.predict(c_test[:, i:i + 1]) == f_test[:, j])
    top = np.sort(score, axis=0)
    return np.mean(top[-1] - top[-2])


def dci(train, test, random_state):
    """Eastwood & Williams 2018 with GradientBoostingClassifier importances."""
    (f_train, c_train), (f_test, c_test) = train, test
    importance = np.zeros((c_train.shape[1], len(USED)))
    acc_train, acc_test = [], []
    for col, j in enumerate(USED):
        model = ensemble.GradientBoostingClassifier(random_state=random_state).fit(c_train, f_train[:, j])
        importance[:, col] = np.abs(model.feature_importances_)
        acc_train.append(np.mean(model.predict(c_train) == f_train[:, j]))
        acc_test.append(np.mean(model.predict(c_test) == f_test[:, j]))

    def score(r):
        per_row = 1.0 - scipy.stats.entropy(r.T + 1e-11, base=r.shape[1])
        return np.sum(per_row * r.sum(axis=1) / r.sum())

    return score(importance), score(importance.T), np.mean(acc_train), np.mean(acc_test)


if __name__ == "__main__":
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__}")
    path = os.path.join(HERE, "disentanglement_points.csv")
    n_train = write_points(path)
    factors, codes = read_points(path)
    train, test = (factors[:n_train], codes[:n_train]), (factors[n_train:], codes[n_train:])
    print("mig", repr(mig(train[1], train[0])))
    print("modularity", repr(modularity(train[1], train[0])))
    print("sap (LinearSVC tol 1e-8)", repr(sap(train, test, tol=1e-8, max_iter=100000)))
    print("sap (LinearSVC defaults)", repr(sap(train, test)))
    # disentanglement_lib passes no random_state: scikit-learn's trees visit features in a random order and
    # so break exact ties between features (splits that cut a node identically) at random.
    runs = np.array([dci(train, test, seed) for seed in range(5)])
    for seed, run in enumerate(runs):
        print(f"dci random_state={seed} (D, C, I_train, I_test)", *map(repr, run))
    print("dci mean", *map(repr, runs.mean(axis=0)), "half range", *map(repr, np.ptp(runs, axis=0) / 2))
    print("factor_vae (train, eval, active)", *map(repr, factor_vae()))
    print("beta_vae (to convergence: tol 1e-10)", *map(repr, beta_vae(tol=1e-10, max_iter=100000)))
    print("beta_vae (LogisticRegression defaults)", *map(repr, beta_vae()))
