"""Data page sections: choose a source, check it, build a workspace with per-stage progress."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from llmrec.data.sources import source_names
from llmrec.errors import LlmrecError
from llmrec.ui import cache, state
from llmrec.ui.context import Context
from llmrec.ui.safe import plain

# What each registered source is, for the picker; the list itself is the registry's (source_names).
SOURCE_LABELS = {
    "demo": "Demo store (generated, no files needed)",
    "amazon2023": "Amazon Reviews 2023 (reviews / ratings CSV + meta JSONL)",
    "amazon2018": "Amazon Reviews 2018 (reviews / ratings CSV + meta JSON)",
    "movielens": "MovieLens (ml-100k / ml-1m / ml-latest folder)",
    "recbole": "RecBole atomic files or the UniSRec benchmark layout",
    "sequences": "Sequences: one user per line, 'user item1 item2 ...' (SASRec / S3-Rec)",
    "csv": "CSV / Parquet / JSON Lines with a column mapping",
}
SOURCES = source_names()
# Canonical names the CSV loader maps columns onto.
CSV_FIELDS = ("user_id", "item_id", "rating", "timestamp", "title", "description", "category", "brand",
              "price", "text")
STAGE_LABELS = {"load": "Load data", "embed": "Embed text", "split": "Split", "train": "Train models",
                "evaluate": "Evaluate", "project": "Project (UMAP)", "portraits": "Portraits"}
UPLOADS = Path("workspaces") / ".uploads"


@dataclass
class SourceChoice:
    """A source kind and the loader options the form produced."""

    kind: str
    options: dict = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def pick_source() -> str:
    state.choose("data_source", list(SOURCES), param_name="source", default="demo")
    kind = st.selectbox("Source", list(SOURCES), key="data_source",
                        format_func=lambda name: SOURCE_LABELS.get(name, name))
    state.share(source=kind)
    return kind


def _file_field(label: str, key: str, required: bool, types: list[str] | None = None) -> str | None:
    """A path box plus an upload box; an upload is saved under workspaces/.uploads and used instead."""
    left, right = st.columns(2)
    path = left.text_input(f"{label} — path", key=f"{key}_path", placeholder="/data/file.jsonl.gz")
    upload = right.file_uploader(f"… or upload {label.lower()}", key=f"{key}_upload", type=types)
    if upload is not None:
        data = upload.getvalue()
        folder = UPLOADS / hashlib.sha256(data).hexdigest()[:16]
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / Path(upload.name).name
        if not target.exists():
            target.write_bytes(data)
        return str(target)
    return path.strip() or None


def source_form(kind: str) -> SourceChoice:
    choice = SourceChoice(kind)
    opts = choice.options
    if kind == "demo":
        left, right = st.columns(2)
        users = int(left.number_input("Users", 50, 200_000, 3_000, step=100, key="data_demo_users"))
        items = int(right.number_input("Items", 50, 200_000, 2_000, step=100, key="data_demo_items"))
        # the demo default of 20 purchases and 5 reviews per user, within its one-third-of-catalogue cap
        per_user = max(5, min(20, items // 3))
        opts.update(n_users=users, n_items=items, n_interactions=users * per_user, n_reviews=users * 5)
        return choice
    if kind in ("amazon2023", "amazon2018"):
        opts["reviews_path"] = _file_field("Reviews file", "data_reviews", False)
        opts["ratings_path"] = _file_field("Ratings-only CSV (instead of or with reviews)", "data_ratings",
                                           False)
        opts["meta_path"] = _file_field("Metadata file", "data_meta", False)
    elif kind == "sequences":
        opts["path"] = st.text_input("Sequences file", key="data_seq_path",
                                     placeholder="/data/Beauty.txt").strip()
    elif kind == "movielens":
        opts["path"] = st.text_input("MovieLens folder", key="data_ml_path",
                                     placeholder="/data/ml-1m").strip()
    elif kind == "recbole":
        opts["path"] = st.text_input("RecBole folder", key="data_rb_path").strip()
        opts["dataset"] = st.text_input("Dataset name (file stem)", key="data_rb_name").strip() or None
    elif kind == "csv":
        opts["interactions_path"] = _file_field("Interactions file", "data_inter", True,
                                                ["csv", "tsv", "parquet", "txt", "gz"])
        opts["items_path"] = _file_field("Items file (optional)", "data_items", False,
                                         ["csv", "tsv", "parquet", "txt", "gz"])
        opts["reviews_path"] = _file_field("Reviews file (optional)", "data_rev", False,
                                           ["csv", "tsv", "parquet", "txt", "gz"])
        with st.expander("Column mapping (leave blank where your column already has the canonical name)"):
            cols = st.columns(5)
            mapping = {}
            for i, name in enumerate(CSV_FIELDS):
                column = cols[i % 5].text_input(name, key=f"data_map_{name}").strip()
                if column:
                    mapping[name] = column
            if mapping:
                opts["columns"] = mapping
    left, right = st.columns(2)
    if left.checkbox("Skip malformed lines", key="data_skip_bad",
                     help="Count and report bad lines instead of stopping at the first one."):
        opts["skip_bad_lines"] = True
    kcore = right.number_input("k-core filter (0 = none)", 0, 50, 0, key="data_kcore")
    if kcore:
        opts["kcore"] = int(kcore)
    required = {"movielens": ["path"], "recbole": ["path"], "sequences": ["path"],
                "csv": ["interactions_path"]}.get(kind, [])
    choice.missing = [name for name in required if not opts.get(name)]
    if kind in ("amazon2023", "amazon2018") and not (opts.get("reviews_path") or opts.get("ratings_path")):
        choice.missing.append("reviews_path or ratings_path")
    choice.options = {k: v for k, v in opts.items() if v not in (None, "")}
    return choice


def check(choice: SourceChoice) -> None:
    """Load the source once (without building) and show the load report or the error."""
    from llmrec.pipeline.config import BuildConfig
    from llmrec.pipeline.stages import load_dataset

    if choice.missing:
        st.warning("Fill in: " + ", ".join(choice.missing))
        return
    with st.spinner("Reading the source…"), _boundary("read this source"):
        config = BuildConfig(source=choice.kind, source_options=dict(choice.options))
        dataset = load_dataset(config)
        st.success(f"Read {dataset.n_users:,} users, {dataset.n_items:,} items, "
                   f"{len(dataset.interactions):,} interactions, {len(dataset.reviews):,} reviews.")
        st.code("\n".join(dataset.report.lines()), language=None)


@dataclass
class Target:
    """The folder a build would write, and whether it may (the same rule as the command line)."""

    path: Path
    force: bool = False
    allowed: bool = True


def target_folder(ctx: Context) -> Target:
    """Ask for the folder, then say what it is (new, empty, a workspace, refused) before any write."""
    from llmrec.pipeline.workdir import inspect_target

    default = ctx.root if ctx.ws is None else str(Path("workspaces") / time.strftime("build-%Y%m%d-%H%M%S"))
    state.ensure("data_target", default)
    typed = st.text_input("Workspace folder to write", key="data_target",
                          help="Written atomically: the workspace is replaced only when the whole build "
                               "succeeds, so a failed build leaves the previous one untouched. A build "
                               "writes only into a new or empty folder or an existing workspace.")
    found = inspect_target(typed.strip() or default)
    st.text(f"{found.path}: {found.describe()}")  # plain text: a path is not Markdown
    force = found.kind == "foreign" and st.checkbox(
        "Add the workspace to this folder anyway (its files stay untouched)", key="data_force")
    reason = found.refusal(force)
    if reason:
        st.error(plain(reason))
    return Target(found.path, force, reason is None)


def build(choice: SourceChoice, target: Target, models: list[str], quick: bool) -> bool:
    """Run the build with one progress bar per stage; True when it succeeded."""
    from llmrec.pipeline.config import BuildConfig
    from llmrec.pipeline.run import STAGES, build_workspace

    if choice.missing:
        st.warning("Fill in: " + ", ".join(choice.missing))
        return False
    if not target.allowed:
        return False
    bars = {}
    box = st.container(border=True)
    for stage in STAGES:
        bars[stage] = box.progress(0.0, text=f"{STAGE_LABELS.get(stage, stage)} — waiting")

    def progress(stage: str, fraction: float, message: str) -> None:
        bar = bars.get(stage)
        if bar is not None:
            bar.progress(min(max(float(fraction), 0.0), 1.0),
                         text=f"{STAGE_LABELS.get(stage, stage)} — {plain(message[:100])}")  # Markdown

    with _boundary("build the workspace"):
        extra = {"epochs": 5, "factors": 32} if quick else {}
        config = BuildConfig(workspace=target.path, source=choice.kind, source_options=dict(choice.options),
                             models=tuple(models), **extra)
        started = time.perf_counter()
        ws = build_workspace(config, progress=progress, force=target.force)
        cache.clear()
        st.success(f"Built {plain(ws.root)} in {time.perf_counter() - started:.0f} s.")
        for note in ws.manifest.get("repairs", []):  # damage found in the previous workspace
            st.warning(plain(note))
        st.code("\n".join(ws.dataset.report.lines()), language=None)
        st.session_state["data_built"] = str(target.path)
        return True
    return False


def use_built() -> None:
    built = st.session_state.get("data_built")
    if built:
        st.button("Use this workspace", key="data_use", type="primary", on_click=_switch, args=(built,))


def _switch(root: str) -> None:
    st.session_state["sidebar_custom_ws"] = root
    st.session_state["sidebar_workspace"] = root


class _boundary:
    """Errors from reading or building become st.error; nothing else on the page is affected."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, tb) -> bool:
        if error is None:
            return False
        if isinstance(error, LlmrecError):
            st.error(f"Could not {self.what}: {plain(error)}")
        elif isinstance(error, (OSError, ValueError, KeyError, TypeError, ImportError)):
            st.error(f"Could not {self.what}: {type(error).__name__}: {plain(error)}")
        else:
            return False
        st.caption("The workspace in use is unchanged.")
        return True


def _models() -> tuple[str, ...]:
    from llmrec.pipeline.config import ALL_MODELS

    return ALL_MODELS


MODELS = _models()
