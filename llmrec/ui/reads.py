"""The dashboard's cached answers: one typed function per read-model question (llmrec.serve).

Each function takes the workspace key (root + manifest stamp) and its explicit arguments, so the
cache entry changes when the workspace is rebuilt or an argument changes. st.cache_data hands every
caller its own copy: a page may change a returned frame without changing the next call's result.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from llmrec.data.quality import DataQuality
from llmrec.reasons.facts import Evidence
from llmrec.reasons.service import GeneratedText
from llmrec.serve import catalogue, evaluation, explanations, maps, recommendations, search, users
from llmrec.serve.recommendations import Launch
from llmrec.ui import cache


@dataclass(frozen=True)
class WorkspaceKey:
    """Which built workspace an answer is about: its folder and the manifest's modification time."""

    root: str
    stamp: float


def _index(key: WorkspaceKey):
    return cache.index(key.root, key.stamp)


FRAMES = {"show_spinner": False, "max_entries": 64}
VALUES = {"show_spinner": False, "max_entries": 256}

# ------------------------------------------------------------------ catalogue


@st.cache_data(**VALUES)
def dataset_card(key: WorkspaceKey) -> dict:
    return catalogue.dataset_card(_index(key))


@st.cache_data(**FRAMES)
def interactions_per_user(key: WorkspaceKey) -> pd.DataFrame:
    return catalogue.interactions_per_user(_index(key))


@st.cache_data(**FRAMES)
def rating_distribution(key: WorkspaceKey) -> pd.DataFrame:
    return catalogue.rating_distribution(_index(key))


@st.cache_data(**FRAMES)
def category_mix(key: WorkspaceKey) -> pd.DataFrame:
    return catalogue.category_mix(_index(key))


@st.cache_data(**FRAMES)
def long_tail(key: WorkspaceKey) -> pd.DataFrame:
    return catalogue.long_tail(_index(key))


@st.cache_data(**VALUES)
def head_share(key: WorkspaceKey, top_fraction: float) -> float:
    return catalogue.head_share(_index(key), top_fraction)


@st.cache_data(**FRAMES)
def top_products(key: WorkspaceKey, n: int) -> pd.DataFrame:
    return catalogue.top_products(_index(key), n)


@st.cache_data(**VALUES)
def has_categories(key: WorkspaceKey) -> bool:
    return catalogue.has_categories(_index(key))


@st.cache_data(**VALUES)
def data_quality(key: WorkspaceKey) -> DataQuality:
    return catalogue.data_quality(_index(key))


@st.cache_data(**VALUES)
def load_report(key: WorkspaceKey) -> list[str]:
    return catalogue.load_report(_index(key))


@st.cache_data(**FRAMES)
def stage_timings(key: WorkspaceKey) -> pd.DataFrame:
    return catalogue.stage_timings(_index(key))


@st.cache_data(**VALUES)
def item_card(key: WorkspaceKey, item_id: str) -> dict:
    return catalogue.item_card(_index(key), item_id)


@st.cache_data(**FRAMES)
def search_items(key: WorkspaceKey, text: str, limit: int) -> pd.DataFrame:
    return catalogue.search_items(_index(key), text, limit)


# ------------------------------------------------------------------ users


@st.cache_data(**VALUES)
def model_names(key: WorkspaceKey) -> tuple[str, ...]:
    return _index(key).model_names


@st.cache_data(**VALUES)
def user_ids(key: WorkspaceKey) -> list[str]:
    return users.user_ids(_index(key))


@st.cache_data(**VALUES)
def find_users(key: WorkspaceKey, text: str, limit: int) -> list[str]:
    return users.find_users(_index(key), text, limit)


@st.cache_data(**VALUES)
def known_user(key: WorkspaceKey, user_id: str) -> bool:
    return users.known_user(_index(key), user_id)


@st.cache_data(**FRAMES)
def history(key: WorkspaceKey, user_id: str) -> pd.DataFrame:
    return users.history(_index(key), user_id)


@st.cache_data(**VALUES)
def time_column(key: WorkspaceKey) -> str:
    return users.time_column(_index(key))


@st.cache_data(**VALUES)
def portrait(key: WorkspaceKey, user_id: str) -> dict:
    return users.portrait(_index(key), user_id)


@st.cache_data(**FRAMES)
def interests(key: WorkspaceKey, user_id: str) -> pd.DataFrame:
    return users.interests(_index(key), user_id)


@st.cache_data(**FRAMES)
def category_profile(key: WorkspaceKey, user_id: str) -> pd.DataFrame:
    return users.category_profile(_index(key), user_id)


@st.cache_data(**FRAMES)
def price_profile(key: WorkspaceKey, user_id: str) -> pd.DataFrame:
    return users.price_profile(_index(key), user_id)


@st.cache_data(**FRAMES)
def user_aspects(key: WorkspaceKey, user_id: str) -> pd.DataFrame:
    return users.user_aspects(_index(key), user_id)


@st.cache_data(**FRAMES)
def similar_users(key: WorkspaceKey, user_id: str, k: int) -> pd.DataFrame:
    return users.similar_users(_index(key), user_id, k)


# ------------------------------------------------------------------ recommendations


@st.cache_data(**FRAMES)
def recommend(key: WorkspaceKey, user_id: str, model: str, k: int, exclude: str) -> pd.DataFrame:
    return recommendations.recommend(_index(key), user_id, model, k, exclude)


@st.cache_data(**FRAMES)
def compare_models(key: WorkspaceKey, user_id: str, models: tuple[str, ...], k: int,
                   exclude: str) -> pd.DataFrame:
    return recommendations.compare_models(_index(key), user_id, models, k, exclude)


@st.cache_data(**FRAMES)
def test_items(key: WorkspaceKey, user_id: str) -> pd.DataFrame:
    return recommendations.test_items(_index(key), user_id)


@st.cache_data(show_spinner=False, max_entries=32)
def launch(key: WorkspaceKey, title: str, description: str, k: int) -> Launch:
    """Where a new product lands on the text map and who would see it."""
    return recommendations.launch_product(_index(key), cache.encoder_for(key.root), title, description, k)


@st.cache_data(**FRAMES)
def personalised_search(key: WorkspaceKey, query: str, user_id: str | None, model: str | None,
                        weight: float, k: int) -> pd.DataFrame:
    return search.personalised_search(_index(key), cache.encoder_for(key.root), query, user_id, model,
                                      weight, k)


# ------------------------------------------------------------------ explanations
# Texts also depend on the generated-text cache file (the LLM button, `python -m llmrec explain`):
# its stamp is an argument, so a newly written text is looked up again.


@st.cache_data(**VALUES)
def evidence(key: WorkspaceKey, user_id: str, item_id: str, model: str | None) -> Evidence:
    return explanations.evidence(_index(key), user_id, item_id, model)


def reasons(key: WorkspaceKey, user_id: str, item_ids: tuple[str, ...],
            model: str | None) -> list[GeneratedText]:
    """One checked reason per item of `model`'s list: the local LLM's if it wrote one, else the template's."""
    return _reasons(key, cache.texts_stamp(key.root), user_id, item_ids, model)


def summary(key: WorkspaceKey, user_id: str, model: str | None) -> GeneratedText:
    """The user's portrait summary: the local LLM's if it wrote one before, else the template's."""
    return _summary(key, cache.texts_stamp(key.root), user_id, model)


def llm_available(key: WorkspaceKey) -> bool:
    """Whether the local LLM can be found (it is not loaded here)."""
    index = _index(key)
    return index.llm_reader(index.reason_service(None)) is not None


def stream_description(key: WorkspaceKey, user_id: str, item_id: str, model: str | None,
                       use_llm: bool) -> Iterator[str | GeneratedText]:
    """The item described for this shopper, built on `model`'s evidence: the local LLM's raw chunks
    (with `use_llm`), then the checked text to show instead; the templates' text at once otherwise.
    Either way the text lands in the workspace's generated-text cache (not memoised here: a stream)."""
    service = cache.llm_service(key.root, key.stamp, model) if use_llm else _index(key).reason_service(model)
    yield from explanations.stream_text(_index(key), service, user_id, item_id, task="description")


@st.cache_data(show_spinner=False, max_entries=512)
def _reasons(key: WorkspaceKey, texts: int, user_id: str, item_ids: tuple[str, ...],
             model: str | None) -> list[GeneratedText]:
    return explanations.reasons(_index(key), user_id, item_ids, model)


@st.cache_data(show_spinner=False, max_entries=512)
def _summary(key: WorkspaceKey, texts: int, user_id: str, model: str | None) -> GeneratedText:
    return explanations.portrait_summary(_index(key), user_id, model)


# ------------------------------------------------------------------ maps


@st.cache_data(**VALUES)
def available_spaces(key: WorkspaceKey) -> list[str]:
    return maps.available_spaces(_index(key))


@st.cache_data(**VALUES)
def colourings(key: WorkspaceKey) -> list[str]:
    return maps.colourings(_index(key))


@st.cache_data(**FRAMES)
def map_frame(key: WorkspaceKey, space: str) -> pd.DataFrame:
    return maps.map_frame(_index(key), space)


@st.cache_data(**FRAMES)
def map_sample(key: WorkspaceKey, space: str) -> pd.DataFrame:
    """The map frame cut to what a chart draws quickly (`maps.sample_points`); rows keep their labels."""
    return maps.sample_points(map_frame(key, space))


@st.cache_data(**FRAMES)
def map_positions(key: WorkspaceKey, space: str, item_ids: tuple[str, ...]) -> pd.DataFrame:
    return maps.map_positions(_index(key), space, item_ids)


@st.cache_data(**FRAMES)
def map_rows(key: WorkspaceKey, space: str, item_ids: tuple[str, ...]) -> pd.DataFrame:
    return maps.map_rows(_index(key), space, item_ids)


@st.cache_data(**VALUES)
def map_item_at(key: WorkspaceKey, space: str, row: int) -> str | None:
    return maps.map_item_at(_index(key), space, row)


@st.cache_data(**VALUES)
def map_size(key: WorkspaceKey, space: str) -> int:
    return maps.map_size(_index(key), space)


@st.cache_data(**FRAMES)
def nearest_items(key: WorkspaceKey, item_id: str, space: str, k: int) -> pd.DataFrame:
    return maps.nearest_items(_index(key), item_id, space, k)


# ------------------------------------------------------------------ evaluation


@st.cache_data(**VALUES)
def protocol_lines(key: WorkspaceKey) -> list[str]:
    return evaluation.protocol_lines(_index(key))


@st.cache_data(**VALUES)
def metric_ks(key: WorkspaceKey) -> list[int]:
    return evaluation.metric_ks(_index(key))


@st.cache_data(**FRAMES)
def metrics(key: WorkspaceKey) -> pd.DataFrame:
    return evaluation.metrics(_index(key))


@st.cache_data(**FRAMES)
def metrics_table(key: WorkspaceKey, k: int | None, names: tuple[str, ...] | None = None) -> pd.DataFrame:
    return evaluation.metrics_table(_index(key), k, names)


@st.cache_data(**VALUES)
def rating_model_verdict(key: WorkspaceKey) -> str | None:
    return evaluation.rating_model_verdict(_index(key))


@st.cache_data(**FRAMES)
def accuracy_vs_coverage(key: WorkspaceKey, k: int, accuracy: str) -> pd.DataFrame:
    return evaluation.accuracy_vs_coverage(_index(key), k, accuracy)


@st.cache_data(**VALUES)
def per_user_metrics(key: WorkspaceKey) -> list[str]:
    return evaluation.per_user_metrics(_index(key))


@st.cache_data(**FRAMES)
def per_user(key: WorkspaceKey, k: int) -> pd.DataFrame:
    return evaluation.per_user(_index(key), k)


@st.cache_data(**FRAMES)
def worst_users(key: WorkspaceKey, model: str, k: int, metric: str, n: int) -> pd.DataFrame:
    return evaluation.worst_users(_index(key), model, k, metric, n)


@st.cache_data(**FRAMES)
def cold_start(key: WorkspaceKey) -> pd.DataFrame:
    return evaluation.cold_start(_index(key))


@st.cache_data(**VALUES)
def cold_start_pool(key: WorkspaceKey) -> dict:
    return evaluation.cold_start_pool(_index(key))


@st.cache_data(**FRAMES)
def text_ablation(key: WorkspaceKey, k: int) -> dict[str, pd.DataFrame]:
    return evaluation.text_ablation(_index(key), k)


@st.cache_data(**VALUES)
def finetune_decision(key: WorkspaceKey) -> dict | None:
    return evaluation.finetune_decision(_index(key))


def explanation_quality(key: WorkspaceKey) -> pd.DataFrame:
    """Read on every run, not memoised: the file changes when `explain` runs, not when the workspace
    is rebuilt, and it is a few hundred bytes."""
    return evaluation.explanation_quality(_index(key))
