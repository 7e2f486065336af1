"""Text from data and URLs made inert before Streamlit or Plotly sees it: shown, never interpreted.

Streamlit renders GitHub-flavoured Markdown in st.markdown, st.caption, st.error/info/..., st.metric
(label and value), titles and headers, expander/tab labels and radio options. Its renderer
(react-markdown with remark-gfm) links bare URLs in two places: while parsing (`http://`, `www.`,
e-mail addresses) and again afterwards with a regex over the plain text nodes, where backslash
escapes are already gone (`(https?:\\/\\/|www(?=\\.))([-.\\w]+)` and `...@[-\\w]+(\\.[-\\w]+)+`). So
`plain` escapes every ASCII punctuation character (no links, images, HTML, formatting, colour
directives or math) and puts an invisible zero-width joiner after `://`, `www` and `@`, which
neither autolink pattern accepts. Widgets that show options as plain text (selectbox, multiselect)
and table cells need no escaping: there it would show as stray backslashes.
"""

from __future__ import annotations

import html
import re

ZWJ = "\u200d"
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
_AUTOLINK = re.compile(r"://|www(?=\.)|@", re.IGNORECASE)


def plain(text: object) -> str:
    """`text` as Markdown that renders as exactly that text (None as an empty string)."""
    shown = "" if text is None else str(text)
    shown = _AUTOLINK.sub(lambda found: found.group() + ZWJ, shown)
    return _PUNCTUATION.sub(r"\\\1", shown)


def plot_text(text: object) -> str:
    """`text` for Plotly labels and hover text, which understand a few HTML tags (<a href>, <b>...)."""
    return html.escape("" if text is None else str(text), quote=False)
