"""Clustering text: TF-IDF vectors (a scipy.sparse matrix) straight into KMeans.

Run: python examples/text_clustering.py [--docs N] [--k K] [--out DIR]

The corpus is built here, without a download: short notes about five
subjects (astronomy, cooking, football, finance, gardening), each written from
that subject's vocabulary plus words any note may use.  scikit-learn's
``TfidfVectorizer`` turns them into L2-normalised TF-IDF rows, a CSR matrix
that ``kmeans_core.KMeans`` clusters as it is: it is never densified.  Each
cluster is then described by the terms with the largest weight in its center,
and compared with the subject each note was written from.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from kmeans_core import KMeans

SUBJECTS = {
    "astronomy": (
        "telescope galaxy orbit planet comet nebula star moon eclipse asteroid "
        "spectrum observatory supernova constellation gravity orbiting lunar solar"
    ),
    "cooking": (
        "recipe oven garlic simmer onion butter flour dough sauce roast bake "
        "pepper saucepan knead spices boil tomato basil"
    ),
    "football": (
        "goal striker referee match league penalty midfield keeper tackle "
        "offside stadium coach season transfer corner header fans"
    ),
    "finance": (
        "interest bond stock dividend inflation market portfolio equity loan "
        "budget investor yield currency bank shares credit"
    ),
    "gardening": (
        "seeds compost soil prune bloom tulip hedge mulch greenhouse weeds "
        "harvest shovel roses watering seedling fertiliser"
    ),
}

#: Words any note may use, whatever its subject.
COMMON = (
    "today week people new good time really think great small first last year "
    "made found looked long started small big best little better always"
)


def make_corpus(n_docs: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """``n_docs`` notes and the subject each was written from."""
    rng = np.random.default_rng(seed)
    names = list(SUBJECTS)
    vocab = {name: words.split() for name, words in SUBJECTS.items()}
    common = COMMON.split()
    docs, subjects = [], []
    for _ in range(n_docs):
        subject = names[rng.integers(len(names))]
        n_words = int(rng.integers(8, 20))
        # Two thirds of the words from the subject, the rest from anywhere.
        own = rng.choice(vocab[subject], size=2 * n_words // 3)
        other = rng.choice(common, size=n_words - own.shape[0])
        words = np.concatenate([own, other])
        rng.shuffle(words)
        docs.append(" ".join(words))
        subjects.append(subject)
    return docs, subjects


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="k-means on TF-IDF text vectors")
    parser.add_argument("--docs", type=int, default=2000, help="number of notes")
    parser.add_argument("--k", type=int, default=5, help="number of clusters")
    parser.add_argument("--terms", type=int, default=6, help="top terms to print")
    parser.add_argument("--out", type=Path, help="unused (the examples' convention)")
    args = parser.parse_args(argv)

    docs, subjects = make_corpus(args.docs)
    vectorizer = TfidfVectorizer(dtype=np.float32)
    X = vectorizer.fit_transform(docs)  # CSR, rows of unit length
    print(
        f"{X.shape[0]} notes, {X.shape[1]} terms, {X.nnz / X.shape[0]:.1f} "
        f"nonzeros per note ({type(X).__name__}, {X.dtype})"
    )

    km = KMeans(n_clusters=args.k, n_init=3, random_state=0).fit(X)
    print(f"k = {args.k}: inertia {km.inertia_:.1f}, {km.n_iter_} iterations")
    terms = vectorizer.get_feature_names_out()
    for cluster in range(args.k):
        members = km.labels_ == cluster
        top = np.argsort(km.cluster_centers_[cluster])[::-1][: args.terms]
        subject, count = Counter(np.asarray(subjects)[members]).most_common(1)[0]
        print(
            f"cluster {cluster} ({members.sum()} notes, {count / members.sum():.0%} "
            f"{subject}): {', '.join(terms[top])}"
        )
    new = ["the striker scored a late penalty goal", "roast the garlic in the oven"]
    print("new notes ->", km.predict(vectorizer.transform(new)).tolist())


if __name__ == "__main__":
    main()
