"""Command line: build and check a workspace, print its evaluation, recommend, measure explanations."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from llmrec.data.sources import source_names
from llmrec.engine import ENGINES
from llmrec.errors import ConfigError, LlmrecError
from llmrec.hardware import ENCODER_PRECISIONS
from llmrec.pipeline.config import ALL_MODELS, SPLITS

SOURCES = source_names()


def _mapping(text: str) -> dict[str, str]:
    """'user_id=customer,item_id=sku' -> {'user_id': 'customer', 'item_id': 'sku'}."""
    pairs = [p for p in text.split(",") if p.strip()]
    try:
        return {k.strip(): v.strip() for k, v in (p.split("=", 1) for p in pairs)}
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected name=column pairs separated by commas, got '{text}'") from None


# Data flag -> the loader option it feeds (a flag feeds a source only if that source has the option).
_DATA_FLAGS = {"path": "path", "dataset": "dataset", "reviews": "reviews_path", "ratings": "ratings_path",
               "meta": "meta_path", "interactions": "interactions_path", "items": "items_path",
               "columns": "columns", "item_columns": "columns", "review_columns": "columns"}


def _csv_columns(args: argparse.Namespace) -> dict | None:
    """--columns alone maps every table; with --item-columns/--review-columns each file has its own."""
    if args.item_columns is None and args.review_columns is None:
        return args.columns
    per_file = (("interactions", args.columns), ("items", args.item_columns),
                ("reviews", args.review_columns))
    return {table: mapping for table, mapping in per_file if mapping}


def _source_options(args: argparse.Namespace) -> dict:
    """Translate CLI flags into the keyword options of the chosen loader."""
    options: dict = {}
    amazon = {"reviews_path": args.reviews, "ratings_path": args.ratings, "meta_path": args.meta}
    paths = {"amazon2023": amazon, "amazon2018": amazon,
             "movielens": {"path": args.path},
             "recbole": {"path": args.path, "dataset": args.dataset},
             "sequences": {"path": args.path},
             "csv": {"interactions_path": args.interactions, "items_path": args.items,
                     "reviews_path": args.reviews, "columns": _csv_columns(args)},
             "demo": {}}[args.source]
    used = {flag for flag, option in _DATA_FLAGS.items() if option in paths}
    unused = [flag for flag in _DATA_FLAGS if getattr(args, flag) is not None and flag not in used]
    if unused:  # never ignore a flag silently
        raise ConfigError(f"--{unused[0].replace('_', '-')} is not used by --source {args.source}; it takes "
                          f"{', '.join('--' + f.replace('_', '-') for f in sorted(used)) or 'no data flags'}")
    if args.source == "demo":
        sizes = {"n_users": args.demo_users, "n_items": args.demo_items,
                 "n_interactions": args.demo_interactions, "n_reviews": args.demo_reviews}
        return {k: v for k, v in sizes.items() if v is not None}
    options.update({k: (str(v) if isinstance(v, Path) else v) for k, v in paths.items() if v is not None})
    if args.rating_scale is not None:  # a source without the option rejects it by name
        options["rating_scale"] = args.rating_scale
    if args.skip_bad_lines:
        options["skip_bad_lines"] = True
    if args.kcore:
        options["kcore"] = args.kcore
    return options


_BAR = "{desc} {percentage:3.0f}%|{bar:30}| {elapsed}<{remaining} {postfix}"


def _progress_bars():
    """A tqdm bar per stage, showing rate and ETA; returns the progress callback and a closer."""
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def progress(stage: str, fraction: float, message: str) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=1000, desc=f"{stage:<9}", leave=True, bar_format=_BAR)
        bar.n = int(fraction * 1000)
        bar.set_postfix_str(message[:60], refresh=True)
        if fraction >= 1.0:
            bar.close()

    return progress


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (kill, a stopping container) unwinds the build like Ctrl-C: staging removed."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def build_config(args: argparse.Namespace):
    """The BuildConfig that `build` flags describe (llmrec/pipeline/rebuild.py writes them back)."""
    from llmrec.pipeline.config import BuildConfig

    return BuildConfig(workspace=args.workspace, source=args.source, source_options=_source_options(args),
                       models=tuple(args.models), split=args.split, ks=tuple(args.k), seed=args.seed,
                       encoder=args.encoder, epochs=args.epochs, factors=args.factors,
                       cold_start=not args.no_cold_start, finetune_seconds=args.finetune,
                       train_budget=args.train_budget, engine=args.engine, engine_address=args.address,
                       precision=args.precision)


def cmd_build(args: argparse.Namespace) -> int:
    from llmrec.pipeline.run import build_workspace

    config = build_config(args)
    with _sigterm_as_interrupt():
        workspace = build_workspace(config, progress=_progress_bars(), force=args.force, wait=args.wait)
    manifest = workspace.manifest
    print(f"\nworkspace written to {workspace.root} in {manifest['timings']['total']:.1f} s")
    for stage, why in manifest.get("stage_reasons", {}).items():
        print(f"  {stage:<9} {why}")
    split = manifest.get("split") or manifest["config"]["split"]
    print(f"  split: {split}" + (" (the data's own train/valid/test, as in the papers that use it)"
                                 if split == "given" else ""))
    for note in manifest.get("repairs", []):
        print(f"  {note}")
    if manifest.get("embedding"):
        print(f"  embedding: {manifest['embedding']['precision']} ({manifest['embedding']['reason']})")
    if manifest.get("finetune"):
        print(f"  fine-tuning: {manifest['finetune']['reason']}")
    for line in workspace.dataset.report.lines():
        print(f"  {line}")
    print("  data quality:")
    for line in workspace.data_quality.lines():
        print(f"    {line}")
    from llmrec.pipeline.report import evaluation_report, format_by_k

    print("\n" + format_by_k(evaluation_report(workspace, ks=(10,))))
    print("\nMore: python -m llmrec evaluate --workspace", workspace.root, "--k 5 10 20 [--split cold_start]")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from llmrec.pipeline.report import evaluation_report, format_ablation, format_by_k

    report = evaluation_report(args.workspace, models=args.models, split=args.split, ks=tuple(args.k))
    print(report.to_json() if args.json else format_by_k(report))
    ablations = [format_ablation(args.workspace, split=args.split, k=k) for k in args.k]
    if not args.json and any(ablations):
        print("\n" + "\n\n".join(a for a in ablations if a))
    return 0


def cmd_recommend(args: argparse.Namespace) -> int:
    from llmrec.models.registry import default_model
    from llmrec.serve import WorkspaceIndex
    from llmrec.serve.recommendations import recommend

    if args.k < 1:
        raise ConfigError(f"--k must be >= 1 (the length of the list), found {args.k}")
    index = WorkspaceIndex.open(args.workspace)
    args.model = args.model or default_model(index.model_names)
    frame = recommend(index, args.user, args.model, args.k)
    if args.json:
        print(frame.to_json(orient="records", indent=2))
    else:
        print(f"top-{args.k} for user {args.user} by {args.model} (items in the user's training and "
              "validation history excluded; held_out = the user's test item)")
        print(frame.to_string(index=False))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Compare every artifact file with the size and checksum the build recorded; 1 when damaged."""
    from llmrec.pipeline.artifacts import Workspace, read_manifest
    from llmrec.pipeline.integrity import Problem, problems, rebuild_hint, unknown_files

    root = args.workspace
    manifest = read_manifest(root)  # an unreadable manifest is one problem: the error says which
    files = manifest.get("files", {})
    if not files:
        Workspace(root)
        print(f"workspace readable, but it records no checksums (written by an older llmrec); "
              f"{rebuild_hint(root)} to record them")
        return 0
    found: list[Problem] = problems(root, files, checksums=True)
    unknown = unknown_files(root, files)
    for problem in found:
        print(problem)
    for extra in unknown:  # a warning: the workspace is intact, but the files would be lost
        print(f"warning: {extra}")
    if found:
        print(f"workspace {root} is damaged ({len(found)} of {len(files)} files); {rebuild_hint(root)}",
              file=sys.stderr)
        return 1
    warned = f", {len(unknown)} unknown {'file' if len(unknown) == 1 else 'files'}" if unknown else ""
    print(f"workspace OK ({len(files)} files verified{warned})")
    return 0


QUALITY_SHOWN = ("n_pairs", "grounding_rate", "raw_grounding_rate", "first_try_grounding_rate",
                 "fallback_rate",
                 "template_failures", "feature_coverage", "unique_sentence_ratio", "distinct_1", "distinct_2",
                 "mean_words", "latency_per_sentence_s")
EXPLAIN_TASKS = ("reason", "summary", "description")


def cmd_explain(args: argparse.Namespace) -> int:
    """Measure the reasons for sampled users' top-1 items and record them in reasons/quality.json."""
    import time

    import numpy as np
    import pandas as pd

    from llmrec.models.base import FactorModel
    from llmrec.models.registry import default_model
    from llmrec.pipeline.artifacts import current_quality, quality_producers
    from llmrec.reasons.evidence import description_evidence, portrait_evidence
    from llmrec.reasons.quality import explanation_quality, sampled_explanation_quality
    from llmrec.serve import WorkspaceIndex
    from llmrec.serve.evaluation import QUALITY_FILE
    from llmrec.serve.recommendations import top_items

    if args.pairs < 1:
        raise ConfigError(f"--pairs must be at least 1, got {args.pairs}")
    index = WorkspaceIndex.open(args.workspace)
    workspace = index.ws
    args.model = args.model or default_model(index.model_names, FactorModel)
    name, generator = "template", None
    if args.llm or args.llm_model:
        from llmrec.reasons.llm import LLMGenerator

        generator = LLMGenerator(args.llm_model, mode=args.llm_mode)  # loads on first generation only
        name = "llm" if args.llm_model is None else f"llm:{Path(args.llm_model).name}"
        name += "" if args.llm_mode == "rewrite" else f"/{args.llm_mode}"
    name += "" if args.task == "reason" else f"/{args.task}"
    service = index.reason_service(args.model, generator)
    # Score only the users that can be sampled, not the whole user base.
    with_history = np.flatnonzero(np.diff(service.ctx.train.indptr) > 0)
    rng = np.random.default_rng(args.seed)
    users = rng.choice(with_history, size=min(args.pairs, len(with_history)), replace=False)
    top = np.full(workspace.ids.n_users, -1, dtype=np.int64)
    top[users] = top_items(index, args.model, users)
    start = time.perf_counter()
    if args.task == "reason":
        metrics, texts = sampled_explanation_quality(service, top, args.pairs, args.seed)
    else:
        users = users[top[users] >= 0]
        evidences = ([portrait_evidence(service.ctx, int(u)) for u in users] if args.task == "summary"
                     else [description_evidence(service.ctx, int(u), int(top[u])) for u in users])
        texts = service.run(evidences)
        metrics = explanation_quality(texts, service)
    seconds = time.perf_counter() - start
    if not texts:
        raise ConfigError(f"no user has both a history and a recommendation from '{args.model}'")

    path = workspace.root / QUALITY_FILE
    # Entries measured on other data or models describe texts no longer shown: not kept.
    entries = current_quality(json.loads(path.read_text()), workspace.manifest) if path.is_file() else {}
    n_generated = sum(not t.cached for t in texts)
    entry = {key: _json_number(value) for key, value in metrics.items()}
    if n_generated == 0:
        # Every text came from the cache: there was no generation to time, so keep the earlier
        # measurement of the same generator rather than reporting zero seconds.
        previous = entries.get(name, {})
        same = previous.get("generator_identity") == service.generator.identity
        entry["latency_per_sentence_s"] = previous.get("latency_per_sentence_s") if same else None
    entry.update(n_pairs=len(texts), n_generated=n_generated, model=args.model, task=args.task,
                 examples=[{"shown": t.text, "source": t.source, "raw": t.raw_text,
                            "fallback_reason": t.fallback_reason} for t in texts[:args.examples]],
                 generator_identity=service.generator.identity, **quality_producers(workspace.manifest),
                 created=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    entries[name] = entry
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(entries, indent=2))
    tmp.replace(path)

    if args.json:
        print(json.dumps(entries, indent=2))
        return 0
    table = pd.DataFrame({gen: {k: _cell(k, e.get(k)) for k in QUALITY_SHOWN} for gen, e in entries.items()})
    for example in entry["examples"]:
        print(f"[{example['source']}] {example['shown']}"
              + (f"\n    raw: {example['raw']}  ({example['fallback_reason']})" if example["fallback_reason"]
                 else ""))
    print(f"explanation quality of {len(texts)} reasons (each sampled user's top-1 from {args.model}; "
          f"{n_generated} generated, {len(texts) - n_generated} from the cache, {seconds:.1f} s)")
    print(table.to_string())
    print(f"written to {path}; the dashboard's evaluation page shows it, and its pages now show these "
          "texts without generating them again")
    return 0


def _cell(key: str, value) -> str:
    if value is None:
        return "-"
    if key == "latency_per_sentence_s":
        return f"{value:.2f} s" if value >= 1 else f"{value * 1000:.3g} ms"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _json_number(value):
    """Plain JSON: NaN (a rate over nothing, e.g. no raw outputs) becomes null."""
    if isinstance(value, float) and value != value:
        return None
    return value.item() if hasattr(value, "item") else value


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m llmrec", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="load a source, embed, train, evaluate and write a workspace")
    build.add_argument("--workspace", type=Path, default=Path("workspace"))
    build.add_argument("--source", choices=SOURCES, default="demo")
    build.add_argument("--path", type=Path, help="folder (movielens, recbole) or file (sequences)")
    build.add_argument("--dataset", help="RecBole dataset name (file stem) when the folder has several")
    build.add_argument("--reviews", type=Path, help="reviews file (amazon2023, amazon2018, csv)")
    build.add_argument("--ratings", type=Path, help="ratings-only CSV (amazon2023, amazon2018)")
    build.add_argument("--meta", type=Path, help="item metadata file (amazon2023, amazon2018)")
    build.add_argument("--interactions", type=Path, help="interactions CSV/Parquet (csv source)")
    build.add_argument("--items", type=Path, help="items CSV/Parquet/JSON Lines (csv source)")
    build.add_argument("--columns", type=_mapping, help="column mapping, e.g. user_id=customer,item_id=sku")
    build.add_argument("--item-columns", type=_mapping, help="column mapping of the --items file (csv)")
    build.add_argument("--review-columns", type=_mapping, help="column mapping of the --reviews file (csv)")
    build.add_argument("--rating-scale", help="allowed ratings, e.g. 1-5 (csv, recbole)")
    build.add_argument("--skip-bad-lines", action="store_true", help="skip malformed lines and count them")
    build.add_argument("--kcore", type=int, default=0, help="keep users and items with >= k interactions")
    build.add_argument("--demo-users", type=int)
    build.add_argument("--demo-items", type=int)
    build.add_argument("--demo-interactions", type=int)
    build.add_argument("--demo-reviews", type=int)
    build.add_argument("--models", nargs="+", choices=ALL_MODELS, default=list(ALL_MODELS))
    build.add_argument("--split", choices=SPLITS, default=None,
                       help="default: the data's own split (given) when it ships one, else leave_last_out")
    build.add_argument("--k", type=int, nargs="+", default=[5, 10, 20])
    build.add_argument("--seed", type=int, default=42)
    build.add_argument("--encoder", help="local model folder or hub id (default: packaged all-MiniLM-L6-v2)")
    build.add_argument("--precision", choices=ENCODER_PRECISIONS, default="auto",
                       help="text encoder precision (default auto: bf16 on CPUs with native bf16, int8 on "
                            "others for large corpora, else fp32; the build output says which ran)")
    build.add_argument("--finetune", type=float, nargs="?", const=600.0, default=None, metavar="SECONDS",
                       help="fine-tune the encoder on the training split before embedding, for up to "
                            "SECONDS (default 600); off unless given")
    build.add_argument("--epochs", type=int, default=40)
    build.add_argument("--factors", type=int, default=64)
    build.add_argument("--train-budget", type=float, default=180.0, metavar="SECONDS",
                       help="CPU seconds each sequential model fit may train, validation included "
                            "(default 180; early stopping usually ends it sooner)")
    build.add_argument("--engine", choices=ENGINES, default="local",
                       help="run embedding and evaluation here (local) or on Ray (pip install ray==2.60.0)")
    build.add_argument("--address", help="Ray cluster to join with --engine ray, e.g. ray://host:10001")
    build.add_argument("--no-cold-start", action="store_true", help="skip the held-out-items evaluation")
    build.add_argument("--force", action="store_true",
                       help="also build into a non-empty folder that is not a workspace; its files stay "
                            "untouched, the build adds and replaces only its own entries")
    build.add_argument("--wait", action="store_true",
                       help="wait for another build of the same workspace to finish instead of failing")
    build.set_defaults(run=cmd_build)

    evaluate = commands.add_parser("evaluate", help="print the metrics table with its protocol")
    evaluate.add_argument("--workspace", type=Path, default=Path("workspace"))
    evaluate.add_argument("--models", nargs="+", help="models to show (default: all in the workspace)")
    evaluate.add_argument("--split", choices=("standard", "cold_start"), default="standard")
    evaluate.add_argument("--k", type=int, nargs="+", default=[10])
    evaluate.add_argument("--json", action="store_true", help="machine-readable output")
    evaluate.set_defaults(run=cmd_evaluate)

    recommend = commands.add_parser("recommend", help="print a user's top-K")
    recommend.add_argument("--workspace", type=Path, default=Path("workspace"))
    recommend.add_argument("--user", required=True)
    recommend.add_argument("--model", help="a model of the workspace (default: its preferred model)")
    recommend.add_argument("--k", type=int, default=10)
    recommend.add_argument("--json", action="store_true")
    recommend.set_defaults(run=cmd_recommend)

    check = commands.add_parser("check", help="verify every artifact against the manifest's checksums")
    check.add_argument("--workspace", type=Path, default=Path("workspace"))
    check.set_defaults(run=cmd_check)

    explain = commands.add_parser("explain", help="measure generated reasons (template or LLM)")
    explain.add_argument("--workspace", type=Path, default=Path("workspace"))
    explain.add_argument("--model", help="recommender whose top-1 items are explained "
                                         "(default: the workspace's preferred factor model)")
    explain.add_argument("--pairs", type=int, default=200, help="sampled (user, top-1 item) pairs")
    explain.add_argument("--llm", action="store_true", help="write with the local LLM instead of templates")
    explain.add_argument("--llm-model", help="local model folder, GGUF file or cached hub id (implies --llm)")
    explain.add_argument("--task", choices=EXPLAIN_TASKS, default="reason",
                         help="reason for the top-1 item, shopper summary, or personalised item description")
    explain.add_argument("--llm-mode", choices=("rewrite", "facts"), default="rewrite",
                         help="LLM rephrases the grounded template draft, or writes from the facts")
    explain.add_argument("--examples", type=int, default=5, help="example texts printed and recorded")
    explain.add_argument("--seed", type=int, default=42)
    explain.add_argument("--json", action="store_true", help="machine-readable output")
    explain.set_defaults(run=cmd_explain)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except LlmrecError as error:
        print(f"\nerror: {error}", file=sys.stderr)  # on its own line, after any progress bar
        return 2
    except BrokenPipeError:  # output piped into `head` and the like
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted; the previous workspace is unchanged", file=sys.stderr)
        return 130
