"""Themes against known topics: adjusted mutual information (AMI) of discovered themes with the topics public data
sets carry, this project's recipe side by side with BERTopic's defaults on the same rows and the same embeddings.

Data (read from ``--data``, never committed): ``banking77/train.csv`` (PolyAI-LDN/task-specific-datasets, commit
57ec275d, CC BY 4.0: 77 intents of customer requests to a bank) and ``clinc150/data_full.json`` (clinc/oos-eval,
commit 828f8093, CC BY 3.0: 150 intents, in-scope train queries). Each run draws ``--rows`` rows with a seed.

    python bench/themes.py --data ../datasets --rows 2000 --seeds 0 1

BERTopic (``pip install bertopic umap-learn hdbscan``, bench only) runs with its defaults (UMAP 5-d, HDBSCAN with
``min_cluster_size=10``, outliers as topic -1) on the precomputed embeddings. Also measured: the emotion-tuned
features of ``encoder-fast`` instead of sentence embeddings, and this recipe with ``k`` set to the true number of
topics (an upper reference). Time and peak memory are printed.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_mutual_info_score

from emotion.graphs.sentence import shared
from emotion.themes.discover import discover


def load(data: Path, name: str) -> pd.DataFrame:
    if name == "banking77":
        frame = pd.read_csv(data / "banking77" / "train.csv")
        return frame.rename(columns={"category": "topic"})[["text", "topic"]]
    rows = json.loads((data / "clinc150" / "data_full.json").read_text())["train"]
    return pd.DataFrame(rows, columns=["text", "topic"])


def bertopic_topics(texts: list[str], vectors: np.ndarray, seed: int) -> np.ndarray:
    from bertopic import BERTopic
    from umap import UMAP

    umap = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed)
    model = BERTopic(umap_model=umap, calculate_probabilities=False, verbose=False)
    topics, _ = model.fit_transform(texts, embeddings=vectors)
    return np.asarray(topics)


def ami(truth, found) -> float:
    return round(float(adjusted_mutual_info_score(truth, found)), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../datasets"))
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--sets", nargs="+", default=["banking77", "clinc150"])
    parser.add_argument("--no-bertopic", action="store_true")
    args = parser.parse_args()
    encoder = shared()
    lines = [
        "| data | seed | rows | topics | method | themes | other | AMI | seconds |",
        "|---|---|---:|---:|---|---:|---:|---:|---:|",
    ]

    def row(data, seed, n, topics, method, labels, seconds) -> None:
        labels = np.asarray(labels).astype(str)
        other = float(np.mean((labels == "other") | (labels == "-1")))
        themes = len(set(labels) - {"other", "-1"})
        score = ami(truth, labels)
        line = f"| {data} | {seed} | {n} | {topics} | {method} | {themes} | {other:.0%} | {score} | {seconds:.1f} |"
        print(line, flush=True)
        lines.append(line)

    for name in args.sets:
        frame = load(args.data, name)
        for seed in args.seeds:
            picked = frame.sample(min(args.rows, len(frame)), random_state=seed).reset_index(drop=True)
            truth = picked["topic"].astype(str).to_numpy()
            began = time.perf_counter()
            vectors = encoder.embed(list(picked["text"]))
            embed_seconds = time.perf_counter() - began
            print(f"{name} seed {seed}: embedded {len(picked)} rows in {embed_seconds:.1f} s", flush=True)
            began = time.perf_counter()
            found = discover(picked["text"], embeddings=vectors, seed=seed)
            row(
                name,
                seed,
                len(picked),
                frame["topic"].nunique(),
                f"this recipe ({found.method['clustering'].split(',')[1].strip()})",
                found.labels,
                time.perf_counter() - began,
            )
            began = time.perf_counter()
            upper = discover(picked["text"], embeddings=vectors, seed=seed, k=picked["topic"].nunique())
            row(
                name,
                seed,
                len(picked),
                frame["topic"].nunique(),
                "this recipe, k = true topics (reference)",
                upper.labels,
                time.perf_counter() - began,
            )
            if not args.no_bertopic:
                began = time.perf_counter()
                topics = bertopic_topics(list(picked["text"]), vectors, seed)
                row(
                    name,
                    seed,
                    len(picked),
                    frame["topic"].nunique(),
                    "BERTopic defaults, same embeddings",
                    topics,
                    time.perf_counter() - began,
                )
            from emotion import registry

            model = registry.load(registry.DEFAULT_MODEL)
            _, features = model.encode(list(picked["text"]))
            features = features / np.clip(np.linalg.norm(features, axis=1, keepdims=True), 1e-9, None)
            began = time.perf_counter()
            tuned = discover(picked["text"], embeddings=features, seed=seed)
            row(
                name,
                seed,
                len(picked),
                frame["topic"].nunique(),
                "this recipe on encoder-fast's emotion features",
                tuned.labels,
                time.perf_counter() - began,
            )
    print("\n".join(lines))
    print(f"peak memory (max RSS) {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
