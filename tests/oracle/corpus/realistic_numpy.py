"""Longer numpy notebooks: images, Monte Carlo, hand-rolled models, Markov chains, signals, random walks, fits.

Random data comes from seeded ``numpy.random.default_rng`` generators; one
notebook (``polyfit-degrees``, kind ``rng-shared``) draws from one generator in
two cells, as people do.  ``where:...`` tags the place of the edit.
"""

from ..scenario import rewrite

_IMAGE = [
    r"""import numpy as np
import matplotlib.pyplot as plt""",
    r"""yy, xx = np.mgrid[0:64, 0:64]
image = np.exp(-((xx - 20) ** 2 + (yy - 30) ** 2) / 60) + 0.8 * ((abs(xx - 45) < 8) & (abs(yy - 20) < 8))
noise_rng = np.random.default_rng(3)
image = image + noise_rng.normal(0, 0.05, image.shape)
image.shape, round(float(image.mean()), 4)""",
    r"""def convolve(img, kernel):
    kh, kw = kernel.shape
    padded = np.pad(img, ((kh // 2,), (kw // 2,)), mode="edge")
    out = np.zeros_like(img)
    for i in range(kh):
        for j in range(kw):
            out += kernel[i, j] * padded[i:i + img.shape[0], j:j + img.shape[1]]
    return out""",
    r"""blur = np.ones((3, 3)) / 9
smooth = convolve(image, blur)
round(float(smooth.std()), 4)""",
    r"""np.clip(smooth, 0, 1, out=smooth)
float(smooth.min()), float(smooth.max())""",
    r"""fig, axes = plt.subplots(1, 2, figsize=(6, 3))
axes[0].imshow(image, cmap="gray")
axes[1].imshow(smooth, cmap="gray")
axes[0].set_title("noisy")
axes[1].set_title("smoothed")""",
    r"""THRESHOLD = 0.5
mask = smooth > THRESHOLD
int(mask.sum())""",
    r"""def count_blobs(mask):
    seen = np.zeros_like(mask, dtype=bool)
    blobs = 0
    for r, c in zip(*np.nonzero(mask)):
        if seen[r, c]:
            continue
        blobs += 1
        stack = [(r, c)]
        while stack:
            i, j = stack.pop()
            if 0 <= i < mask.shape[0] and 0 <= j < mask.shape[1] and mask[i, j] and not seen[i, j]:
                seen[i, j] = True
                stack += [(i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1)]
    return blobs""",
    r"""blobs = count_blobs(mask)
blobs""",
    r"""sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
gx = convolve(smooth, sobel_x)
gy = convolve(smooth, sobel_x.T)
edges = np.hypot(gx, gy)
round(float(edges.max()), 3)""",
    r"""histogram, bin_edges = np.histogram(smooth, bins=8, range=(0, 1))
histogram""",
    r"""print(f"{blobs} blobs above {THRESHOLD}, covering {mask.mean():.1%} of the image")
print(f"strongest edge {edges.max():.2f}")""",
]

_MONTE_CARLO = [
    r"""import numpy as np""",
    r"""N_PI = 10_000
rng_pi = np.random.default_rng(0)
pts = rng_pi.random((N_PI, 2))
inside = (pts ** 2).sum(axis=1) <= 1
pi_hat = 4 * inside.mean()
pi_hat""",
    r"""round(abs(pi_hat - np.pi), 5)""",
    r"""running = 4 * np.cumsum(inside) / np.arange(1, N_PI + 1)
running[[9, 99, 999, N_PI - 1]].round(4)""",
    r"""def mc_integrate(f, a, b, n, rng):
    x = rng.uniform(a, b, n)
    return (b - a) * f(x).mean()""",
    r"""rng_int = np.random.default_rng(1)
estimates = {name: mc_integrate(f, 0, 1, 5000, rng_int) for name, f in [("x^2", lambda x: x ** 2), ("sin", np.sin), ("exp", np.exp)]}
{k: round(float(v), 4) for k, v in estimates.items()}""",
    r"""exact = {"x^2": 1 / 3, "sin": 1 - np.cos(1), "exp": np.e - 1}
{k: round(float(abs(estimates[k] - exact[k])), 4) for k in exact}""",
    r"""def birthday_collision(k, trials, rng):
    days = np.sort(rng.integers(0, 365, size=(trials, k)), axis=1)
    return float((np.diff(days, axis=1) == 0).any(axis=1).mean())""",
    r"""rng_bd = np.random.default_rng(2)
probs = {k: birthday_collision(k, 2000, rng_bd) for k in (10, 23, 40)}
probs""",
    r"""print(f"pi ≈ {pi_hat:.4f} from {N_PI} points")
print(f"P(shared birthday among 23) ≈ {probs[23]:.3f}")""",
]

_GD = [
    r"""import numpy as np
import matplotlib.pyplot as plt""",
    r"""rng = np.random.default_rng(8)
X = rng.uniform(-2, 2, size=(150, 2))
true_w = np.array([1.5, -0.7])
y = X @ true_w + 0.3 + rng.normal(0, 0.2, 150)
X[:3].round(3)""",
    r"""config = {"lr": 0.05, "epochs": 60, "batch": 32}""",
    r"""config["epochs"] = 80""",
    r"""def loss(w, b, X, y):
    return float(((X @ w + b - y) ** 2).mean())""",
    r"""def train(X, y, cfg, seed=0):
    rng = np.random.default_rng(seed)
    w, b = np.zeros(X.shape[1]), 0.0
    history = []
    for epoch in range(cfg["epochs"]):
        idx = rng.permutation(len(y))
        for start in range(0, len(y), cfg["batch"]):
            batch = idx[start:start + cfg["batch"]]
            err = X[batch] @ w + b - y[batch]
            w -= cfg["lr"] * 2 * X[batch].T @ err / len(batch)
            b -= cfg["lr"] * 2 * err.mean()
        history.append(loss(w, b, X, y))
    return w, b, history""",
    r"""w, b, history = train(X, y, config)
w.round(3), round(b, 3)""",
    r"""A = np.column_stack([X, np.ones(len(X))])
exact, *_ = np.linalg.lstsq(A, y, rcond=None)
exact.round(3)""",
    r"""gap = float(np.abs(np.append(w, b) - exact).max())
round(gap, 4)""",
    r"""fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(history)
ax.set_yscale("log")
ax.set_title("training loss")""",
    r"""round(history[-1], 5), round(loss(exact[:2], exact[2], X, y), 5)""",
    r"""print(f"{config['epochs']} epochs at lr {config['lr']}: final loss {history[-1]:.4f}, {gap:.4f} from least squares")""",
]

_KMEANS = [
    r"""import numpy as np
import matplotlib.pyplot as plt""",
    r"""rng = np.random.default_rng(21)
centers_true = np.array([[0, 0], [5, 5], [0, 6]])
points = np.vstack([c + rng.normal(0, 0.8, size=(60, 2)) for c in centers_true])
points.shape""",
    r"""K = 3""",
    r"""def kmeans(X, k, iters=20, seed=0):
    rng = np.random.default_rng(seed)
    centers = X[rng.choice(len(X), k, replace=False)]
    for _ in range(iters):
        labels = np.argmin(((X[:, None, :] - centers[None]) ** 2).sum(-1), axis=1)
        new = np.array([X[labels == j].mean(axis=0) if (labels == j).any() else centers[j] for j in range(k)])
        if np.allclose(new, centers):
            break
        centers = new
    return centers, labels""",
    r"""def inertia(X, centers, labels):
    return float(((X - centers[labels]) ** 2).sum())""",
    r"""centers, labels = kmeans(points, K)
centers.round(2)""",
    r"""np.bincount(labels)""",
    r"""fit_inertia = round(inertia(points, centers, labels), 1)
fit_inertia""",
    r"""elbow = {k: round(inertia(points, *kmeans(points, k)), 1) for k in range(1, 7)}
elbow""",
    r"""fig, ax = plt.subplots(figsize=(4, 4))
ax.scatter(points[:, 0], points[:, 1], c=labels, s=10)
ax.scatter(centers[:, 0], centers[:, 1], marker="x", color="k")
ax.set_title(f"k-means, k={K}")""",
    r"""sorted(centers.round(1).tolist())""",
    r"""print(f"k={K}: inertia {fit_inertia}, cluster sizes {np.bincount(labels).tolist()}")""",
]

_CHAIN = [
    r"""import numpy as np""",
    r"""states = ["sunny", "cloudy", "rainy"]
P = np.array([
    [0.7, 0.2, 0.1],
    [0.3, 0.4, 0.3],
    [0.2, 0.4, 0.4],
])""",
    r"""assert np.allclose(P.sum(axis=1), 1)
P""",
    r"""dist = np.array([1.0, 0.0, 0.0])
for _ in range(50):
    dist = dist @ P
dist.round(4)""",
    r"""vals, vecs = np.linalg.eig(P.T)
stationary = np.real(vecs[:, np.argmin(abs(vals - 1))])
stationary = stationary / stationary.sum()
stationary.round(4)""",
    r"""bool(np.allclose(dist, stationary))""",
    r"""walk_rng = np.random.default_rng(4)
walk = [0]
for _ in range(1000):
    walk.append(int(walk_rng.choice(3, p=P[walk[-1]])))
freq = np.bincount(walk, minlength=3) / len(walk)
freq.round(3)""",
    r"""{s: round(float(f), 3) for s, f in zip(states, freq)}""",
    r"""P2 = np.linalg.matrix_power(P, 2)
P2[0].round(3)""",
    r"""rain_spell = 1 / (1 - P[2, 2])
round(float(rain_spell), 2)""",
    r"""print(f"long-run weather: {', '.join(f'{s} {p:.0%}' for s, p in zip(states, stationary))}")
print(f"a rainy spell lasts {rain_spell:.1f} days on average")""",
]

_SIGNAL = [
    r"""import numpy as np
import matplotlib.pyplot as plt""",
    r"""FS = 200
NOISE = 0.5""",
    r"""t = np.arange(0, 2, 1 / FS)
sig_rng = np.random.default_rng(12)
signal = np.sin(2 * np.pi * 5 * t) + 0.5 * np.sin(2 * np.pi * 20 * t) + NOISE * sig_rng.normal(size=t.size)
signal[:5].round(3)""",
    r"""spectrum = np.abs(np.fft.rfft(signal)) / t.size
freqs = np.fft.rfftfreq(t.size, 1 / FS)
peaks = sorted(freqs[np.argsort(spectrum)[-2:]].tolist())
peaks""",
    r"""CUTOFF = 10
fft = np.fft.rfft(signal)
fft[freqs > CUTOFF] = 0
filtered = np.fft.irfft(fft, n=t.size)
filtered[:5].round(3)""",
    r"""clean = np.sin(2 * np.pi * 5 * t)
rmse_before = float(np.sqrt(((signal - clean) ** 2).mean()))
rmse_after = float(np.sqrt(((filtered - clean) ** 2).mean()))
round(rmse_before, 3), round(rmse_after, 3)""",
    r"""fig, ax = plt.subplots(figsize=(7, 3))
ax.plot(t, signal, alpha=0.4, label="noisy")
ax.plot(t, filtered, label="filtered")
ax.legend()
ax.set_title("low-pass filter")""",
    r"""snr = 10 * np.log10((clean ** 2).mean() / ((filtered - clean) ** 2).mean())
round(float(snr), 2)""",
    r"""crossings = np.where(np.diff(np.sign(filtered)))[0]
len(crossings)""",
    r"""print(f"peaks at {peaks} Hz; RMSE {rmse_before:.3f} -> {rmse_after:.3f}; SNR {snr:.1f} dB")""",
]

_WALK = [
    r"""import numpy as np
import matplotlib.pyplot as plt""",
    r"""walk_rng = np.random.default_rng(99)
N_WALKERS, N_STEPS = 500, 200
steps = walk_rng.choice([-1, 1], size=(N_WALKERS, N_STEPS))
positions = steps.cumsum(axis=1)
positions.shape""",
    r"""final = positions[:, -1]
round(float(final.mean()), 3), round(float(final.std()), 3)""",
    r"""msd = (positions ** 2).mean(axis=0)
msd[[9, 49, 99, 199]]""",
    r"""np.polyfit(np.arange(1, N_STEPS + 1), msd, 1).round(3)""",
    r"""fig, ax = plt.subplots()
counts, edges, _ = ax.hist(final, bins=20)
ax.set_title("final positions")
counts.astype(int).tolist()""",
    r"""TARGET = 10
hit = (positions >= TARGET).any(axis=1)
first = np.where(hit, (positions >= TARGET).argmax(axis=1), -1)
round(float(hit.mean()), 3), float(np.median(first[hit]))""",
    r"""returns_to_zero = (positions == 0).sum(axis=1)
round(float(returns_to_zero.mean()), 2)""",
    r"""excursion = np.abs(positions).max(axis=1)
round(float(excursion.mean()), 2)""",
    r"""print(f"{N_WALKERS} walkers, {N_STEPS} steps: {hit.mean():.0%} reach {TARGET}, mean excursion {excursion.mean():.1f}")""",
]

_POLY = [
    r"""import numpy as np
import matplotlib.pyplot as plt""",
    r"""rng = np.random.default_rng(31)
x = np.linspace(-3, 3, 60)
y = 0.5 * x ** 3 - x ** 2 + 2 + rng.normal(0, 1.5, x.size)
y[:4].round(3)""",
    r"""idx = rng.permutation(x.size)
train, test = idx[:45], idx[45:]
len(train), len(test)""",
    r"""DEGREES = [1, 2, 3, 5, 9]""",
    r"""def fit_eval(deg):
    coefs = np.polyfit(x[train], y[train], deg)
    rmse = lambda sel: float(np.sqrt(((np.polyval(coefs, x[sel]) - y[sel]) ** 2).mean()))
    return coefs, rmse(train), rmse(test)""",
    r"""results = {d: fit_eval(d) for d in DEGREES}
{d: (round(tr, 3), round(te, 3)) for d, (_, tr, te) in results.items()}""",
    r"""best_degree = min(results, key=lambda d: results[d][2])
best_degree""",
    r"""results[best_degree][0].round(3)""",
    r"""grid = np.linspace(-3, 3, 200)
fig, ax = plt.subplots(figsize=(5, 3))
ax.scatter(x[train], y[train], s=8, label="train")
ax.scatter(x[test], y[test], s=8, label="test")
for d in DEGREES:
    ax.plot(grid, np.polyval(results[d][0], grid), lw=1, label=f"degree {d}")
ax.set_ylim(-20, 20)
ax.legend(fontsize=6)""",
    r"""resid = y - np.polyval(results[3][0], x)
round(float(resid.std()), 3)""",
    r"""print(f"best degree {best_degree} (test RMSE {results[best_degree][2]:.3f}); cubic residual spread {resid.std():.2f}")""",
]

SCENARIOS = [
    rewrite(
        "image-threshold",
        "realistic numpy numpy-inplace function matplotlib where:section edit:constant",
        _IMAGE,
        7,
        "THRESHOLD = 0.5",
        "THRESHOLD = 0.3",
    ),
    rewrite(
        "monte-carlo-points",
        "realistic numpy function where:section edit:constant",
        _MONTE_CARLO,
        2,
        "N_PI = 10_000",
        "N_PI = 40_000",
    ),
    rewrite(
        "gradient-descent-epochs",
        "realistic numpy dict dict-mutation function matplotlib where:config edit:constant",
        _GD,
        4,
        'config["epochs"] = 80',
        'config["epochs"] = 40',
    ),
    rewrite("kmeans-k", "realistic numpy function matplotlib where:top edit:constant", _KMEANS, 3, "K = 3", "K = 4"),
    rewrite(
        "markov-chain-rainy-row",
        "realistic numpy loop where:top edit:constant",
        _CHAIN,
        2,
        "[0.2, 0.4, 0.4],",
        "[0.1, 0.3, 0.6],",
    ),
    rewrite(
        "signal-noise-level",
        "realistic numpy numpy-inplace matplotlib where:top edit:constant",
        _SIGNAL,
        2,
        "NOISE = 0.5",
        "NOISE = 0.2",
    ),
    rewrite(
        "random-walk-hist-bins", "realistic numpy matplotlib where:plot edit:constant", _WALK, 6, "bins=20", "bins=30"
    ),
    rewrite(
        "polyfit-degrees",
        "realistic numpy rng-shared function matplotlib where:section edit:constant",
        _POLY,
        4,
        "DEGREES = [1, 2, 3, 5, 9]",
        "DEGREES = [1, 2, 3, 4, 6]",
    ),
]
