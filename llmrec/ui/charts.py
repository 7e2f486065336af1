"""Plotly figures for the dashboard: each builder takes a DataFrame and returns a Figure.

Labels that come from data are escaped (Plotly understands a few HTML tags). Large scatter plots
use WebGL (Scattergl) and short hover strings, so 100k points stay responsive.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from llmrec.models.registry import model_names
from llmrec.ui.safe import plot_text

PALETTE = ("#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F", "#EDC948", "#B07AA1", "#FF9DA7",
           "#9C755F", "#17BECF", "#BCBD22", "#D37295", "#A0CBE8", "#8CD17D", "#B6992D", "#499894")
OTHER_COLOUR = "#C8C8C8"
MAX_LEGEND = 12  # categories beyond this are drawn as one grey "Other" trace
HOVER_LIMIT = 60  # characters of a title shown on hover


def model_colour(model: str) -> str:
    """The model's colour on every chart: fixed by its place in the model registry (baselines
    after), so a model keeps its colour whichever models a workspace or a chart holds."""
    names = model_names(baselines=True)
    at = names.index(model) if model in names else len(names) + sum(map(ord, str(model)))
    return PALETTE[at % len(PALETTE)]


def _esc(values) -> list[str]:
    return [plot_text(v) for v in values]


def _short(values, limit: int = HOVER_LIMIT) -> list[str]:
    out = []
    for v in values:
        text = str(v) if v is not None and v == v else ""
        out.append(plot_text(text if len(text) <= limit else text[: limit - 1] + "…"))
    return out


def _layout(fig: go.Figure, title: str | None = None, height: int = 320, **kwargs) -> go.Figure:
    fig.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40 if title else 10, b=10),
                      **kwargs)
    return fig


def histogram(values: pd.Series, title: str, x_label: str, log_y: bool = False, bins: int = 40) -> go.Figure:
    fig = go.Figure(go.Histogram(x=values, nbinsx=bins, marker_color=PALETTE[0]))
    fig.update_xaxes(title=x_label)
    fig.update_yaxes(title="count (log)" if log_y else "count", type="log" if log_y else "linear",
                     dtick=1 if log_y else None)
    return _layout(fig, title)


def bars(frame: pd.DataFrame, x: str, y: str, title: str, horizontal: bool = False,
         colour: str = PALETTE[0], y_label: str | None = None) -> go.Figure:
    labels = _esc(frame[x])
    if horizontal:
        fig = go.Figure(go.Bar(y=labels[::-1], x=frame[y].to_numpy()[::-1], orientation="h",
                               marker_color=colour))
        fig.update_xaxes(title=y_label or y)
    else:
        fig = go.Figure(go.Bar(x=labels, y=frame[y], marker_color=colour))
        fig.update_xaxes(type="category", title=x)
        fig.update_yaxes(title=y_label or y)
    return _layout(fig, title)


def compare_bars(frame: pd.DataFrame, label: str, title: str, a: str = "user", b: str = "population",
                 names: tuple[str, str] = ("this user", "everyone")) -> go.Figure:
    """Grouped horizontal bars: the user's share next to the population's share."""
    labels = _esc(frame[label])[::-1]
    fig = go.Figure([
        go.Bar(y=labels, x=frame[b].to_numpy()[::-1], orientation="h", name=names[1],
               marker_color=OTHER_COLOUR),
        go.Bar(y=labels, x=frame[a].to_numpy()[::-1], orientation="h", name=names[0],
               marker_color=PALETTE[0]),
    ])
    fig.update_xaxes(title="share of interactions", tickformat=".0%")
    return _layout(fig, title, barmode="group", legend=dict(orientation="h", y=-0.2))


def long_tail(frame: pd.DataFrame, head: float) -> go.Figure:
    fig = go.Figure(go.Scatter(x=frame["item_share"], y=frame["interaction_share"], mode="lines",
                               line=dict(color=PALETTE[0], width=3), fill="tozeroy"))
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(color=OTHER_COLOUR, dash="dot"),
                             name="uniform"))
    fig.add_annotation(x=0.2, y=head, text=f"top 20% of items: {head:.0%} of interactions",
                       showarrow=True, arrowhead=2, ax=80, ay=30)
    fig.update_xaxes(title="share of items (most popular first)", tickformat=".0%")
    fig.update_yaxes(title="share of interactions", tickformat=".0%")
    return _layout(fig, "Long tail", showlegend=False)


def timeline(hist: pd.DataFrame, when: str = "date", by_category: bool = True) -> go.Figure:
    """A user's history: one marker per interaction at its time (`when`: "date", or "position" when
    the data knows only the order) and rating, coloured by category when the catalogue has them.

    Interactions without a rating are events, not zero stars: without any rating they sit on one
    line; among rated ones they get their own "not rated" lane above the stars.
    """
    rated = hist["rating"].notna()
    any_rated = bool(rated.any())
    not_rated_lane = 6.0
    y = hist["rating"].where(rated, not_rated_lane) if any_rated else pd.Series(1.0, index=hist.index)
    groups = hist["category"].astype(str) if by_category else pd.Series("interactions", index=hist.index)
    fig = go.Figure()
    for i, group in enumerate(dict.fromkeys(groups)):
        part = hist[groups == group]
        label = f"{when} %{{x}}" + ("<br>rating %{customdata}" if any_rated else "")
        fig.add_trace(go.Scatter(
            x=part[when], y=y[part.index], mode="markers", name=_esc([group or "(no category)"])[0],
            customdata=part["rating"].map(lambda r: "none" if r != r else f"{r:g}"),
            marker=dict(size=11, color=PALETTE[i % len(PALETTE)], line=dict(width=1, color="white")),
            text=_short(part["title"]), hovertemplate="%{text}<br>" + label + "<extra></extra>"))
    if any_rated:
        ticks = [1, 2, 3, 4, 5] + ([not_rated_lane] if (~rated).any() else [])
        fig.update_yaxes(title="rating", range=[0.5, 6.5], tickvals=ticks,
                         ticktext=[str(t) for t in ticks[:5]] + ["not rated"] * (len(ticks) > 5))
    else:
        fig.update_yaxes(visible=False, range=[0, 2])
    fig.update_xaxes(title="position in the history (order only, no dates)" if when == "position" else when)
    title = "History" if any_rated else "History (no ratings: one marker per interaction)"
    return _layout(fig, title, height=300 if any_rated else 220,
                   showlegend=by_category, legend=dict(orientation="h", y=-0.3))


def aspects(frame: pd.DataFrame, title: str = "What they talk about") -> go.Figure:
    """Praises right, criticisms left, per aspect."""
    frame = frame.head(10).iloc[::-1]
    labels = _esc(frame["aspect"])
    fig = go.Figure([
        go.Bar(y=labels, x=frame["praises"], orientation="h", name="praises", marker_color=PALETTE[2]),
        go.Bar(y=labels, x=-frame["criticisms"], orientation="h", name="criticisms",
               marker_color=PALETTE[3], customdata=frame["criticisms"],
               hovertemplate="%{customdata} criticisms<extra></extra>"),
    ])
    fig.update_xaxes(title="mentions (criticisms left, praises right)")
    return _layout(fig, title, barmode="relative", legend=dict(orientation="h", y=-0.25))


def embedding_map(points: pd.DataFrame, colour_by: str, *, highlight: dict[str, pd.DataFrame] | None = None,
                  selected: str | None = None, new_point: tuple[float, float, str] | None = None,
                  height: int = 620) -> go.Figure:
    """The 2-D item map (Scattergl). `points` needs item_id, x, y, title, category, price, popularity.

    Categorical colourings (category, cluster) keep the MAX_LEGEND largest groups and grey the rest;
    numeric ones (price, popularity) use one log-scaled colour bar. `highlight` overlays named
    groups of items (e.g. history, recommendations) on top. Every marker's customdata is the
    item's integer index label in `points` (its row in the full map frame, also when `points` is a
    sample of it; an int ships far cheaper than an id string), so a click maps back.
    """
    fig = go.Figure()
    hover = "%{text}<extra></extra>"
    text = hover_text(points)
    rows = points.index.to_numpy(dtype=np.int32)
    x = points["x"].to_numpy(dtype=np.float32)
    y = points["y"].to_numpy(dtype=np.float32)
    size = 5 if len(points) <= 20_000 else 3
    if colour_by in ("price", "popularity"):
        raw = points[colour_by].astype("float64")
        colour = np.log10(raw.fillna(raw.median() if raw.notna().any() else 0).clip(lower=0) + 1)
        top = max(float(raw.max()) if raw.notna().any() else 1.0, 1.0)
        ticks = np.array([v for v in (1, 10, 100, 1_000, 10_000, 100_000) if v <= top * 10])
        fig.add_trace(go.Scattergl(
            x=x, y=y, mode="markers", text=text, hovertemplate=hover, customdata=rows, name="items",
            showlegend=False,
            marker=dict(size=size, color=colour.to_numpy(dtype=np.float32), colorscale="Viridis",
                        opacity=0.75,
                        colorbar=dict(title=colour_by, tickvals=np.log10(ticks + 1),
                                      ticktext=[f"{t:,}" for t in ticks]))))
    else:
        column = "cluster_label" if colour_by == "cluster" and "cluster_label" in points else colour_by
        groups = points[column].astype(str).to_numpy()
        counts = pd.Series(groups).value_counts()
        keep = counts.index[:MAX_LEGEND].tolist()
        rest = ~np.isin(groups, keep)
        if rest.any():
            fig.add_trace(go.Scattergl(
                x=x[rest], y=y[rest], mode="markers", name=f"other ({len(counts) - len(keep)})",
                text=text[rest], hovertemplate=hover, customdata=rows[rest],
                marker=dict(size=size, color=OTHER_COLOUR, opacity=0.5)))
        for i, group in enumerate(keep):
            mask = groups == group
            fig.add_trace(go.Scattergl(
                x=x[mask], y=y[mask], mode="markers", name=_short([group], 32)[0], text=text[mask],
                hovertemplate=hover, customdata=rows[mask],
                marker=dict(size=size, color=PALETTE[i % len(PALETTE)], opacity=0.75)))
    position = pd.Series(rows, index=points["item_id"].to_numpy())
    symbols = {"history": ("circle-open", "#111111", 13), "recommended": ("star", "#E45756", 15),
               "neighbours": ("diamond-open", "#111111", 12)}
    for name, frame in (highlight or {}).items():
        if frame is None or frame.empty:
            continue
        symbol, colour, size_ = symbols.get(name, ("circle-open", "#111111", 12))
        fig.add_trace(go.Scatter(
            x=frame["x"], y=frame["y"], mode="markers", name=name, text=_short(frame["title"]),
            hovertemplate=f"{name}: " + "%{text}<extra></extra>",
            customdata=position.reindex(frame["item_id"]).fillna(-1).astype(int).to_numpy(),
            marker=dict(size=size_, symbol=symbol, color=colour, line=dict(width=2, color=colour))))
    if selected is not None:
        row = points[points["item_id"] == selected]
        if not row.empty:
            fig.add_trace(go.Scatter(
                x=row["x"], y=row["y"], mode="markers", name="selected", text=_short(row["title"]),
                hovertemplate="selected: %{text}<extra></extra>",
                customdata=position.loc[row["item_id"]].to_numpy(),
                marker=dict(size=20, symbol="x", color="#000000")))
    if new_point is not None:
        nx, ny, label = new_point
        fig.add_trace(go.Scatter(
            x=[nx], y=[ny], mode="markers+text", name="new product", text=_short([label], 40),
            textposition="top center", hovertemplate="new: %{text}<extra></extra>", customdata=[-1],
            marker=dict(size=22, symbol="star-diamond", color="#E45756", line=dict(width=2, color="black"))))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    return _layout(fig, None, height=height, legend=dict(itemsizing="constant", font=dict(size=11)),
                   dragmode="pan", hovermode="closest", uirevision="map")


def hover_text(points: pd.DataFrame) -> np.ndarray:
    """Per-point hover: title, category, price, interactions; only the short title above 20k points
    (hover strings dominate what the browser receives)."""
    limit = HOVER_LIMIT if len(points) <= 20_000 else 40
    title = points["title"].fillna("").astype(str)
    title = title.where(title.str.len() <= limit, title.str.slice(0, limit - 1) + "…")
    title = _escape_series(title)
    if len(points) > 20_000:
        return title.to_numpy(dtype=object)
    category = _escape_series(points["category"].fillna("").astype(str).str.slice(0, 30))
    price = points["price"].map(lambda p: "no price" if p != p else f"${p:,.2f}")
    pop = points["popularity"].map("{:,} interactions".format)
    return (title + "<br>" + category + " · " + price + " · " + pop).to_numpy(dtype=object)


def _escape_series(values: pd.Series) -> pd.Series:
    escaped = values.str.replace("&", "&amp;", regex=False).str.replace("<", "&lt;", regex=False)
    return escaped.str.replace(">", "&gt;", regex=False)


def metric_curves(frame: pd.DataFrame, metric: str) -> go.Figure:
    """metric@K against K, one line per model."""
    fig = go.Figure()
    for model, part in frame.groupby("model", sort=True):
        part = part.sort_values("k")
        fig.add_trace(go.Scatter(x=part["k"], y=part["value"], mode="lines+markers", name=_esc([model])[0],
                                 line=dict(color=model_colour(model), width=3)))
    fig.update_xaxes(title="K", type="category")
    fig.update_yaxes(title=f"{metric.upper()}@K")
    return _layout(fig, f"{metric.upper()}@K by model", height=340)


def accuracy_coverage(frame: pd.DataFrame, accuracy: str, k: int) -> go.Figure:
    fig = go.Figure(go.Scatter(
        x=frame["coverage"], y=frame["accuracy"], mode="markers+text", text=_esc(frame["model"]),
        textposition="top center", marker=dict(size=16, color=[model_colour(m) for m in frame["model"]])))
    fig.update_xaxes(title=f"catalogue coverage@{k}", tickformat=".0%")
    fig.update_yaxes(title=f"{accuracy.upper()}@{k}")
    return _layout(fig, "Accuracy vs coverage", height=340)


def distributions(frame: pd.DataFrame, metric: str) -> go.Figure:
    """Per-user metric distribution per model (box plots with the mean marked)."""
    fig = go.Figure()
    for model, part in frame.groupby("model", sort=True):
        fig.add_trace(go.Box(y=part[metric], name=_esc([model])[0], boxmean=True,
                             marker_color=model_colour(model)))
    fig.update_yaxes(title=plot_text(metric))
    return _layout(fig, f"Per-user {plot_text(metric)} distribution", height=340, showlegend=False)


def score_bars(frame: pd.DataFrame) -> go.Figure:
    """Search results: text and preference contributions side by side per product."""
    labels = _short(frame["title"], 40)[::-1]
    fig = go.Figure([
        go.Bar(y=labels, x=frame["text_score"].to_numpy()[::-1], orientation="h", name="text similarity",
               marker_color=PALETTE[0]),
        go.Bar(y=labels, x=frame["preference_score"].to_numpy()[::-1], orientation="h",
               name="user preference", marker_color=PALETTE[1]),
    ])
    return _layout(fig, "Both scores per result", height=max(260, 28 * len(frame) + 80), barmode="group",
                   legend=dict(orientation="h", y=-0.15))
