"""Item and review documents: field order, cleaning, missing values, bad attributes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llmrec.errors import DataError
from llmrec.text.documents import clean_text, item_document, item_documents, review_documents


def item(**fields):
    row = {"item_id": "i1", "title": None, "description": None, "categories": [], "brand": None,
           "attributes": None}
    row.update(fields)
    return row


def test_fields_in_order_title_first():
    row = item(title="Cordless Drill", categories=["Tools", "Power Tools", "Tools"], brand="Bosch",
               attributes='{"Voltage": "18 V", "Colour": ["blue", "black"]}',
               description="<p>Two batteries &amp; a case.</p>")
    assert item_document(row) == ("Cordless Drill. Tools > Power Tools. Brand: Bosch. "
                                  "Voltage: 18 V; Colour: blue, black. Two batteries & a case.")


def test_missing_parts_are_left_out():
    assert item_document(item(title="  Green\n tea  ", brand=np.nan, description=pd.NA)) == "Green tea"
    assert item_document(item(description="Only a description")) == "Only a description"
    assert item_document(item()) == ""


def test_sentence_punctuation_is_not_doubled_and_arrays_work():
    row = item(title="Great value!", categories=np.array(["Kitchen"]), attributes="{}")
    assert item_document(row) == "Great value! Kitchen"


def test_long_descriptions_are_cut_at_a_word():
    text = item_document(item(title="T", description="word " * 1000), max_description_chars=23)
    assert text == "T. word word word word"


@pytest.mark.parametrize("bad", ["not json", "[1, 2]"])
def test_bad_attributes_name_the_field(bad):
    with pytest.raises(DataError, match="attributes.*item i1.*JSON object"):
        item_document(item(title="x", attributes=bad))


def test_item_documents_keep_row_order_and_check_columns():
    items = pd.DataFrame([item(item_id="a", title="First"), item(item_id="b", title="Second")])
    assert item_documents(items) == ["First", "Second"]
    with pytest.raises(DataError, match="brand"):
        item_documents(items.drop(columns=["brand"]))


def test_review_documents():
    reviews = pd.DataFrame({"title": ["Works great", None, "Meh."], "text": ["Strong  motor", "Fine", None]})
    assert review_documents(reviews) == ["Works great. Strong motor", "Fine", "Meh."]
    with pytest.raises(DataError, match="text"):
        review_documents(reviews.drop(columns=["text"]))


def test_clean_text():
    assert clean_text("a<br/>b &lt;3\t\n c") == "a b <3 c"
    assert clean_text(None) == "" and clean_text(float("nan")) == ""


def test_documents_use_the_importers_cleaner_entities_first():
    from llmrec.text.documents import clean_text

    # Stripping tags before decoding entities used to leave a live tag in the embedded text.
    assert clean_text("&lt;img src=x onerror=alert(1)&gt; Desk Lamp") == "Desk Lamp"
    assert clean_text('<span class="a-size-medium a-color-secondary"') == ""
    assert clean_text(pd.NA) == "" and clean_text(float("nan")) == ""
