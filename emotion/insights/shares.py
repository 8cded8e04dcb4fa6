"""The share of each emotion in a table, three ways, with 95% intervals.

Counting hard labels (*classify and count*) inherits the model's errors: a model that calls 20% of sad texts
fear inflates fear wherever sadness is common. Two estimators correct for it (Forman 2008; Bella et al. 2010):

- ``probabilistic``: the mean of the calibrated probabilities. From the table's seven probability columns when
  it has them; else from each row's label and confidence, the rest of the row's probability spread over the other
  emotions as the model's confusions on dev spread it (:func:`row_probabilities`).
- ``adjusted``: the label counts corrected by the model's confusion matrix measured on labelled dev rows
  (``P(label j | true emotion i)``), solved for the true shares on the simplex (adjusted classify and count).

Which one is the default was chosen by measurement (``bench/insights_estimators.py``, figures in
``bench/README.md``): every estimator's mean absolute error of the shares on held-out labelled rows resampled to
different class mixes. :data:`DEFAULT_ESTIMATOR` records the winner.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.stats import hypergeom

from emotion.labels import LABEL_INDEX, LABELS

ESTIMATORS = {
    "count": "classify and count: the share of rows given each label",
    "probabilistic": "probabilistic count: the mean calibrated probability of each emotion",
    "adjusted": "adjusted count: label counts corrected by the model's confusion measured on labelled dev rows",
}
DEFAULT_ESTIMATOR = "count"
"""Lowest mean absolute error on held-out mixtures of both ISEAR dev and GoEmotions dev with the default model
(``bench/insights_estimators.py``, 3 seeds × 200 mixtures of 400 rows): count 3.62 / 6.31 points, probabilistic
4.99 / 6.41, adjusted 3.96 / 6.46 (``bench/README.md``)."""
Z95 = 1.959964


@dataclass(frozen=True)
class Confusion:
    """A model's measured confusion on labelled rows: ``matrix[i, j] = P(label j | true emotion i)``.

    Attributes:
        matrix: Rows: true emotions, columns: labels, both in :data:`LABELS` order (rows sum to 1).
        reverse: ``reverse[j, i] = P(true emotion i | label j)`` on the same rows.
        rows: Labelled rows it was measured on.
        source: Where it was measured (for the page and the report).
    """

    matrix: np.ndarray
    reverse: np.ndarray
    rows: int
    source: str

    @classmethod
    def measure(cls, gold: list[str], predicted: list[str], source: str = "", smoothing: float = 0.5) -> Confusion:
        """Measure on ``gold`` and ``predicted`` labels (additive ``smoothing`` keeps every cell above zero)."""
        counts = np.full((len(LABELS), len(LABELS)), smoothing)
        for g, p in zip(gold, predicted, strict=True):
            if g in LABEL_INDEX and p in LABEL_INDEX:
                counts[LABEL_INDEX[g], LABEL_INDEX[p]] += 1
        return cls(
            matrix=counts / counts.sum(axis=1, keepdims=True),
            reverse=(counts / counts.sum(axis=0, keepdims=True)).T,
            rows=len(gold),
            source=source,
        )


def wilson(successes: np.ndarray, n: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score 95% interval of ``successes / n`` (vectorised; ``n == 0`` gives 0 to 1)."""
    successes = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(n > 0, successes / n, 0.0)
        denominator = 1 + Z95**2 / n
        centre = (p + Z95**2 / (2 * n)) / denominator
        half = Z95 * np.sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2)) / denominator
    low = np.where(n > 0, np.clip(centre - half, 0, 1), 0.0)
    high = np.where(n > 0, np.clip(centre + half, 0, 1), 1.0)
    return low, high


def two_proportions_p_value(x: np.ndarray, n: np.ndarray, y: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Two-sided p-value of ``x / n`` against ``y / m`` (vectorised): the exact conditional test, mid-p.

    Given the ``x + y`` rows with the emotion, ``x`` is hypergeometric under equal shares; the p-value is twice the
    smaller tail, each counting half the probability of ``x`` itself (Lancaster's mid-p). The score z-test used
    before rejected 2-4 times as often as its level in the far tail that a family of a hundred comparisons tests at
    (segments of 50 rows, an emotion at 5-10%): a 20-value column with no effect gave a finding in 13% of tables.
    Mid-p stays at or below the level there and near it for segments of a few hundred rows
    (``tests/test_insights.py``).
    """
    x, n, y, m = (np.asarray(a, dtype=np.int64) for a in (x, n, y, m))
    total, having = n + m, x + y
    below = hypergeom.cdf(x, total, having, n)
    above = hypergeom.sf(x - 1, total, having, n)
    half = 0.5 * hypergeom.pmf(x, total, having, n)
    return np.clip(2 * np.minimum(below - half, above - half), 0.0, 1.0)


def label_counts(labels: pd.Series | list) -> np.ndarray:
    """Rows per emotion, in :data:`LABELS` order (other values are ignored)."""
    counts = pd.Series(labels).value_counts()
    return np.array([counts.get(label, 0) for label in LABELS], dtype=float)


def row_probabilities(labels: list[str], confidence: np.ndarray | None, confusion: Confusion | None) -> np.ndarray:
    """Seven probabilities per row from its label and confidence.

    The label gets the confidence (a calibrated model's confidence is the chance its label is right); the rest
    goes to the other emotions in the proportions the model's dev confusions give (``P(true | label)``), or evenly
    when the model was not measured. Without a confidence, the dev share of right labels stands in.
    """
    index = np.array([LABEL_INDEX[label] for label in labels])
    others = confusion.reverse[index].copy() if confusion is not None else np.ones((len(index), len(LABELS)))
    others[np.arange(len(index)), index] = 0
    others /= others.sum(axis=1, keepdims=True)
    if confidence is None or np.all(np.isnan(confidence)):
        confidence = confusion.reverse[index, index] if confusion is not None else np.ones(len(index))
    confidence = np.clip(np.nan_to_num(np.asarray(confidence, dtype=float), nan=1.0), 0, 1)
    proba = others * (1 - confidence)[:, None]
    proba[np.arange(len(index)), index] = confidence
    return proba


def adjusted_shares(counts: np.ndarray, confusion: Confusion) -> np.ndarray:
    """True shares ``t`` on the simplex that best explain the label shares: ``min ||M^T t - q||^2``."""
    total = counts.sum()
    if total == 0:
        return np.zeros(len(LABELS))
    observed = counts / total
    m = confusion.matrix
    start = observed.copy()
    result = minimize(
        lambda t: float(np.sum((m.T @ t - observed) ** 2)),
        start,
        jac=lambda t: 2 * m @ (m.T @ t - observed),
        bounds=[(0, 1)] * len(LABELS),
        constraints=[{"type": "eq", "fun": lambda t: t.sum() - 1, "jac": lambda t: np.ones_like(t)}],
        method="SLSQP",
        options={"ftol": 1e-12, "maxiter": 200},
    )
    shares = np.clip(result.x, 0, None)
    return shares / shares.sum()


def estimate(
    labels: pd.Series | list,
    estimator: str = DEFAULT_ESTIMATOR,
    confidence: np.ndarray | None = None,
    proba: np.ndarray | None = None,
    confusion: Confusion | None = None,
    resamples: int = 200,
    seed: int = 0,
) -> pd.DataFrame:
    """Each emotion's share with a 95% interval: columns ``emotion, share, low, high, rows``.

    Args:
        labels: One emotion per counted row.
        estimator: One of :data:`ESTIMATORS`.
        confidence: Each row's confidence in its label (``probabilistic`` without ``proba``).
        proba: ``(rows, 7)`` calibrated probabilities, when the table has them.
        confusion: The model's measured confusion (``adjusted``; ``probabilistic`` without ``proba``).
        resamples: Multinomial resamples of the counts for the ``adjusted`` interval.
        seed: Seeds those resamples.
    """
    labels = list(labels)
    counts = label_counts(labels)
    n = len(labels)
    if estimator not in ESTIMATORS:
        raise ValueError(f"unknown estimator {estimator!r} (choose from {', '.join(ESTIMATORS)})")
    if estimator == "adjusted" and confusion is None:
        raise ValueError("the adjusted count needs the model's confusion measured on labelled rows")
    if estimator == "count" or n == 0:
        share = counts / max(n, 1)
        low, high = wilson(counts, n)
    elif estimator == "probabilistic":
        if proba is None:
            proba = row_probabilities(labels, confidence, confusion)
        share = proba.mean(axis=0)
        half = Z95 * proba.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.ones(len(LABELS))
        low, high = np.clip(share - half, 0, 1), np.clip(share + half, 0, 1)
    else:
        share = adjusted_shares(counts, confusion)
        low, high = share, share
        if resamples:
            rng = np.random.default_rng(seed)
            draws = [adjusted_shares(c, confusion) for c in rng.multinomial(n, counts / n, size=resamples)]
            low, high = np.quantile(draws, 0.025, axis=0), np.quantile(draws, 0.975, axis=0)
    return pd.DataFrame(
        {"emotion": LABELS, "share": share, "low": low, "high": high, "rows": counts.astype(int)},
    )


def mixture_errors(
    gold: list[str],
    predicted: list[str],
    confidence: np.ndarray,
    mixtures: int = 200,
    sample: int = 400,
    seed: int = 0,
) -> dict[str, dict]:
    """Each estimator's error on held-out labelled rows resampled to different class mixes.

    Cross-fitted: the rows are split in two halves; the confusion is measured on one and the mixtures are drawn
    from the other (then the halves swap), so no estimator sees the rows it is judged on. Each mixture draws
    true shares from a flat Dirichlet, then ``sample`` rows with those shares (with replacement).

    Returns:
        ``{estimator: {"mae": mean absolute error of the shares over emotions and mixtures, "mae_sd": its sd over
        mixtures, "per_emotion": {emotion: mae}}}``.
    """
    rng = np.random.default_rng(seed)
    gold, predicted = np.asarray(gold), np.asarray(predicted)
    confidence = np.asarray(confidence, dtype=float)
    order = rng.permutation(len(gold))
    halves = [order[: len(order) // 2], order[len(order) // 2 :]]
    errors: dict[str, list[np.ndarray]] = {name: [] for name in ESTIMATORS}
    for fit_rows, test_rows in (halves, halves[::-1]):
        confusion = Confusion.measure(list(gold[fit_rows]), list(predicted[fit_rows]))
        by_class = {label: test_rows[gold[test_rows] == label] for label in LABELS}
        present = [label for label in LABELS if len(by_class[label])]
        for _ in range(mixtures // 2):
            true = np.zeros(len(LABELS))
            true[[LABEL_INDEX[label] for label in present]] = rng.dirichlet(np.ones(len(present)))
            counts = rng.multinomial(sample, true)
            rows = np.concatenate(
                [rng.choice(by_class[label], size=c) for label, c in zip(LABELS, counts, strict=True) if c]
            )
            truth = counts / counts.sum()
            for name in ESTIMATORS:
                shares = estimate(
                    list(predicted[rows]), name, confidence=confidence[rows], confusion=confusion, resamples=0
                )["share"].to_numpy()
                errors[name].append(np.abs(shares - truth))
    out = {}
    for name, rows in errors.items():
        matrix = np.array(rows)
        out[name] = {
            "mae": round(float(matrix.mean()), 4),
            "mae_sd": round(float(matrix.mean(axis=1).std(ddof=1)), 4),
            "per_emotion": {label: round(float(v), 4) for label, v in zip(LABELS, matrix.mean(axis=0), strict=True)},
        }
    return out


def _onto_simplex(points: np.ndarray) -> np.ndarray:
    """Euclidean projection of each row onto the probability simplex (Duchi et al. 2008)."""
    points = np.atleast_2d(points)
    ordered = -np.sort(-points, axis=1)
    cumulative = np.cumsum(ordered, axis=1) - 1
    steps = np.arange(1, points.shape[1] + 1)
    last = (ordered - cumulative / steps > 0).sum(axis=1)
    theta = cumulative[np.arange(len(points)), last - 1] / last
    return np.clip(points - theta[:, None], 0, None)


@functools.lru_cache(maxsize=8)
def _resampled_confusions(matrix: bytes, rows: int, resamples: int, seed: int) -> np.ndarray:
    """``resamples`` confusion matrices drawn around the measured one (each row a Dirichlet draw with the dev rows'
    counts); the same for every finding of a model, so drawn once."""
    k = len(LABELS)
    measured = np.frombuffer(matrix).reshape(k, k)
    rng = np.random.default_rng([seed, 1])
    draws = rng.gamma(measured * max(rows / k, 10.0) + 0.5, size=(resamples, k, k))
    return draws / draws.sum(axis=-1, keepdims=True)


def corrected_difference(
    inside: np.ndarray,
    outside: np.ndarray,
    confusion: Confusion,
    *,
    resamples: int = 300,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Each emotion's estimated *true* share inside a segment and outside it, and their difference with a 95%
    interval that holds both the rows' noise and the model's measured confusion (its dev rows are resampled too).

    The label shares are corrected by the confusion matrix (adjusted classify and count, solved by least squares
    and projected onto the simplex); a finding's size then no longer shrinks with the labeller's errors.

    Args:
        inside: Label counts in the segment, in :data:`LABELS` order.
        outside: Label counts in the other rows.
        confusion: The model's confusion on labelled rows.

    Returns:
        ``share``, ``rest_share``, ``difference``, ``low``, ``high``: arrays over the seven emotions.
    """
    rng = np.random.default_rng(seed)

    def solve(counts: np.ndarray, matrices: np.ndarray) -> np.ndarray:
        observed = counts / np.clip(counts.sum(axis=-1, keepdims=True), 1, None)
        solved = np.linalg.solve(np.transpose(matrices, (0, 2, 1)), observed[..., None])[..., 0]
        return _onto_simplex(solved)

    point_in = solve(inside[None], confusion.matrix[None])[0]
    point_out = solve(outside[None], confusion.matrix[None])[0]
    matrices = _resampled_confusions(
        np.asarray(confusion.matrix, dtype=float).tobytes(), confusion.rows, resamples, seed
    )
    rows_in = rng.multinomial(int(inside.sum()), inside / max(inside.sum(), 1), size=resamples).astype(float)
    rows_out = rng.multinomial(int(outside.sum()), outside / max(outside.sum(), 1), size=resamples).astype(float)
    differences = solve(rows_in, matrices) - solve(rows_out, matrices)
    low, high = np.quantile(differences, [0.025, 0.975], axis=0)
    return {"share": point_in, "rest_share": point_out, "difference": point_in - point_out, "low": low, "high": high}


def count_table(groups, values, columns: list | None = None) -> pd.DataFrame:
    """Rows per group (index, sorted; groups without a counted row left out) and value (columns): the counts of
    ``pd.crosstab(groups, values)``, from factorized codes and one ``bincount`` (crosstab walks 200,000 strings
    several times). Missing groups or values are not counted, as in crosstab.

    Args:
        groups, values: One entry per row (Series, arrays or categoricals).
        columns: The columns in this order (absent values counted 0, other values dropped); default the values seen.
    """
    group_codes, group_names = pd.factorize(groups, sort=True)
    value_codes, value_names = pd.factorize(values, sort=True)
    counted = (group_codes >= 0) & (value_codes >= 0)
    width = max(len(value_names), 1)
    flat = np.bincount(group_codes[counted] * width + value_codes[counted], minlength=len(group_names) * width)
    table = pd.DataFrame(
        flat.reshape(len(group_names), width)[:, : len(value_names)],
        index=pd.Index(np.asarray(group_names, dtype=object)),
        columns=pd.Index(np.asarray(value_names, dtype=object)),
    )
    table = table.loc[table.sum(axis=1).to_numpy() > 0]
    return table if columns is None else table.reindex(columns=list(columns), fill_value=0)
