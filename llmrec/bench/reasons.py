"""Reasons benchmark: templates vs the local LLM on (user, top-1 recommended item) pairs of the demo shop.

Recommendations come from a deliberately simple model (the most popular unseen item of the user's
favourite category); item text vectors are hashed bags of words and MF factors a truncated SVD,
so the benchmark needs no trained model. For each task (reasons, portrait summaries, personalised
descriptions) it reports: LLM raw grounding rate, final grounding rate (1.0 by construction),
fallback rate, template failures (must be 0), latency per sentence, and the templates' variety;
and the LLM's load time (first and cached).

    python -m llmrec.bench.reasons [--pairs 200] [--llm-pairs 200] [--threads 1] [--no-llm]
        [--tasks reason summary description]
"""

from __future__ import annotations

import argparse
import time
import zlib

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import svds

from llmrec.data.demo import DemoConfig, generate_demo
from llmrec.data.ids import IdMap, interaction_matrix
from llmrec.reasons.context import EvidenceContext
from llmrec.reasons.evidence import build_evidence, description_evidence, portrait_evidence
from llmrec.reasons.quality import explanation_quality
from llmrec.reasons.service import ReasonService

BENCH_DEMO = DemoConfig(n_users=600, n_items=400, n_interactions=12000, n_reviews=4000)


def hashed_text_vectors(texts: list[str], dim: int = 256) -> np.ndarray:
    """(n, dim) L2-normed hashed bag of words: a stand-in for the BERT embeddings of a workspace."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in text.lower().split():
            out[row, zlib.crc32(word.encode()) % dim] += 1.0
    return out / np.clip(np.linalg.norm(out, axis=1, keepdims=True), 1e-12, None)


def category_popularity_top1(train: sp.csr_matrix, categories: np.ndarray) -> np.ndarray:
    """Per user, the most popular item of their most bought category that they have not bought."""
    popularity = np.asarray(train.sum(axis=0)).ravel()
    top = np.full(train.shape[0], -1, dtype=np.int64)
    for u in range(train.shape[0]):
        history = train.indices[train.indptr[u]:train.indptr[u + 1]]
        if len(history) == 0:
            continue
        names, counts = np.unique(categories[history], return_counts=True)
        candidates = np.flatnonzero(categories == names[np.argmax(counts)])
        candidates = np.setdiff1d(candidates, history)
        if len(candidates):
            top[u] = candidates[np.argmax(popularity[candidates])]
    return top


TASKS = ("reason", "summary", "description")


def task_evidences(ctx: EvidenceContext, pairs: list[tuple[int, int]], task: str) -> list:
    """The evidence of each pair for one task ("summary": the pair's user alone)."""
    if task == "summary":
        return [portrait_evidence(ctx, u) for u, _ in pairs]
    build = build_evidence if task == "reason" else description_evidence
    return [build(ctx, u, i) for u, i in pairs]


def run_reasons_benchmark(n_pairs: int = 200, llm_pairs: int | None = None, *, use_llm: bool = True,
                          model=None, threads: int | None = None, cache_dir=None, seed: int = 0,
                          tasks: tuple[str, ...] = ("reason",)) -> dict:
    """Texts for sampled pairs by templates and (optionally) the LLM, per task; prints and returns
    the numbers (keys "template", "llm" for the first task; "template/summary" etc. for the others)."""
    dataset = generate_demo(BENCH_DEMO)
    ids = IdMap.from_dataset(dataset)
    train = interaction_matrix(dataset.interactions, ids)
    items = dataset.items.set_index("item_id").reindex(ids.items)
    item_text = hashed_text_vectors((items["title"] + " " + items["description"]).tolist())
    u_factors, s, vt = svds(train.astype(np.float64), k=16, random_state=seed)
    ctx = EvidenceContext.from_arrays(dataset.items, dataset.reviews, ids, train, item_text,
                                      item_factors=(vt.T * np.sqrt(s)), user_factors=u_factors * np.sqrt(s))
    top1 = category_popularity_top1(ctx.train, ctx.categories)
    rng = np.random.default_rng(seed)
    users = rng.choice(np.flatnonzero(top1 >= 0), size=n_pairs, replace=False)
    pairs = [(int(u), int(top1[u])) for u in users]

    results: dict = {"pairs": len(pairs)}
    templates = ReasonService(ctx)
    for task in tasks:
        start = time.perf_counter()
        template_texts = templates.run(task_evidences(ctx, pairs, task))
        template_q = explanation_quality(template_texts, templates)
        template_q["seconds_per_sentence"] = (time.perf_counter() - start) / template_q["n_sentences"]
        results[_key("template", task, tasks)] = template_q

    if use_llm:
        import torch

        from llmrec.reasons.llm import LLMGenerator

        previous_threads = torch.get_num_threads()
        if threads:
            torch.set_num_threads(threads)
        try:
            generator = LLMGenerator(model, cache_dir=cache_dir, seed=seed).load()
            reload = LLMGenerator(model, cache_dir=cache_dir, seed=seed).load()
            results["llm_load"] = {"first_s": generator.load_seconds_, "first_source": generator.load_source_,
                                   "cached_s": reload.load_seconds_, "cached_source": reload.load_source_}
            del reload
            service = ReasonService(ctx, generator)
            for task in tasks:
                llm_texts = service.run(task_evidences(ctx, pairs[:llm_pairs or len(pairs)], task))
                key = _key("llm", task, tasks)
                results[key] = explanation_quality(llm_texts, service)
                results[key]["examples"] = [
                    {"raw": t.raw_text, "shown": t.text, "fallback_reason": t.fallback_reason}
                    for t in llm_texts[:5]]
        finally:
            torch.set_num_threads(previous_threads)
    _print(results)
    return results


def _key(generator: str, task: str, tasks: tuple[str, ...]) -> str:
    return generator if task == tasks[0] else f"{generator}/{task}"


def _print(results: dict) -> None:
    print(f"pairs: {results['pairs']}")
    for key, t in results.items():
        if key.startswith("template"):
            print(f"{key}: unique sentence ratio {t['unique_sentence_ratio']:.3f}, "
                  f"grounding {t['grounding_rate']:.3f}, template failures {t['template_failures']}, "
                  f"distinct-2 {t['distinct_2']:.3f}, coverage {t['feature_coverage']:.3f}, "
                  f"{1000 * t['seconds_per_sentence']:.2f} ms/sentence")
    if "llm_load" in results:
        load = results["llm_load"]
        print(f"llm load: first {load['first_s']:.1f} s ({load['first_source']}), "
              f"cached {load['cached_s']:.1f} s ({load['cached_source']})")
    for key, q in results.items():
        if not key.startswith("llm") or key == "llm_load":
            continue
        print(f"{key} ({q['n_texts']} pairs): raw grounding {q['raw_grounding_rate']:.3f}, final grounding "
              f"{q['grounding_rate']:.3f}, fallback {q['fallback_rate']:.3f}, "
              f"{q['latency_per_sentence_s']:.2f} s/sentence, unique {q['unique_sentence_ratio']:.3f}")
        for example in q["examples"]:
            print(f"  raw: {example['raw']!r}\n  shown: {example['shown']!r}  [{example['fallback_reason']}]")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--llm-pairs", type=int, default=None, help="LLM pairs (default: all pairs)")
    parser.add_argument("--model", default=None, help="model folder, GGUF file or cached hub id")
    parser.add_argument("--threads", type=int, default=None, help="torch threads for the LLM")
    parser.add_argument("--no-llm", action="store_true")
    parser.add_argument("--tasks", nargs="+", choices=TASKS, default=list(TASKS))
    args = parser.parse_args(argv)
    return run_reasons_benchmark(args.pairs, args.llm_pairs, use_llm=not args.no_llm, model=args.model,
                                 threads=args.threads, tasks=tuple(args.tasks))


if __name__ == "__main__":
    main()
