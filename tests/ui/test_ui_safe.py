"""llmrec.ui.safe: text from data reaches Streamlit's Markdown and Plotly's labels inert."""

import re

import pytest

from llmrec.ui.safe import ZWJ, plain, plot_text

Z = ZWJ


@pytest.mark.parametrize(("text", "shown"), [
    ("Plain words 123", "Plain words 123"),
    ("![px](http://evil.test/p.png)", f"\\!\\[px\\]\\(http\\:\\/\\/{Z}evil\\.test\\/p\\.png\\)"),
    ("[x](http://evil.test)", f"\\[x\\]\\(http\\:\\/\\/{Z}evil\\.test\\)"),
    ("see HTTPS://evil.test/a", f"see HTTPS\\:\\/\\/{Z}evil\\.test\\/a"),
    ("www.evil.test", f"www{Z}\\.evil\\.test"),
    ("mail a@evil.test", f"mail a\\@{Z}evil\\.test"),
    ("<img src=http://evil.test/i.png>", f"\\<img src\\=http\\:\\/\\/{Z}evil\\.test\\/i\\.png\\>"),
    ("<script>alert(1)</script>", "\\<script\\>alert\\(1\\)\\<\\/script\\>"),
    ("[go](javascript:alert(1))", "\\[go\\]\\(javascript\\:alert\\(1\\)\\)"),
    ("**bold** _it_ `code` ~~s~~", "\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\~\\~s\\~\\~"),
    (":red[x] :material/home: $x^2$", "\\:red\\[x\\] \\:material\\/home\\: \\$x\\^2\\$"),
    ("# heading | a | b", "\\# heading \\| a \\| b"),
    ("C:\\data\\file", "C\\:\\\\data\\\\file"),
    ("&lt; &amp;", "\\&lt\\; \\&amp\\;"),
    ("Jörg’s café — 5 €", "Jörg’s café — 5 €"),
    (None, ""),
    (12.5, "12\\.5"),
])
def test_plain_escapes_markdown_and_defuses_autolinks(text, shown):
    assert plain(text) == shown


def test_plain_text_survives_commonmark_unescaping():
    """Removing the escapes (what the renderer does) and the joiners gives back the exact text."""
    text = "![px](http://evil.test/p.png) <b>x</b> \\ www.a.b a@b.c"
    rendered = re.sub(r"\\(.)", r"\1", plain(text)).replace(ZWJ, "")
    assert rendered == text


@pytest.mark.parametrize("text", ["http://evil.test/a", "https://x.y", "www.evil.test", "me@evil.test"])
def test_no_autolink_pattern_of_the_renderer_matches(text):
    """The two regexes Streamlit's Markdown renderer (remark-gfm) links plain text with."""
    url = re.compile(r"(https?:\/\/|www(?=\.))([-.\w]+)([^ \t\r\n]*)", re.IGNORECASE | re.ASCII)
    email = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)", re.ASCII)
    unescaped = re.sub(r"\\(.)", r"\1", plain(text))
    assert url.search(text) or email.search(text)  # the raw text would be linked
    assert not url.search(unescaped) and not email.search(unescaped)


@pytest.mark.parametrize(("text", "shown"), [
    ("<a href='http://evil.test'>x</a>", "&lt;a href='http://evil.test'&gt;x&lt;/a&gt;"),
    ("Salt & pepper <b>", "Salt &amp; pepper &lt;b&gt;"),
    (None, ""),
])
def test_plot_text_escapes_the_html_plotly_understands(text, shown):
    assert plot_text(text) == shown
