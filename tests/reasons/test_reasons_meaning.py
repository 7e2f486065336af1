"""The checker reads meaning: an adversarial table of sentences that must pass or fail, and why.

Evidence (tests/reasons/conftest.py):
  reason      U1 -> P1 "Soniq Wireless Headphones X1": Electronics, Soniq, premium (U1 usually buys
              budget); reviews praise battery; U1 bought "Soniq Bluetooth Speaker Mini", 2 items in
              Electronics, 1 from Soniq; 2 of U1's 3 most similar shoppers bought it (67%).
  portrait    U1: Electronics (2) and Pet Supplies (1), usually budget, balanced rater (3.5 stars over
              2 reviews), praises battery, criticises taste.
  description U1 -> P1: reviews praise battery and quality; color black, warranty 2 years.
  hand-made   "category_only" (premium item, one shared-category fact), "unpriced" (no band at all),
              "budget" and "mid" items, and "dotted_titles" (titles with periods, numbers, capitals).
"""

import pytest

from llmrec.reasons.evidence import build_evidence, description_evidence, portrait_evidence
from llmrec.reasons.facts import Evidence, Fact
from llmrec.reasons.opinions import aspect_opinions
from llmrec.reasons.sentences import split_sentences
from llmrec.reasons.templates import TemplateGenerator
from llmrec.reasons.validation import Catalogue, number_words, validate
from tests.reasons.conftest import idx

HEADPHONES = "Soniq Wireless Headphones X1"
CATEGORY = Fact("shared_category", "Electronics", 2, "The shopper has bought 2 items in Electronics.")


def _custom(band: str | None, facts=(CATEGORY,), title=HEADPHONES, brand="Soniq") -> Evidence:
    return Evidence(task="reason", user_index=0, user_id="U1", item_index=0, item_id="P1", item_title=title,
                    item_category="Electronics", item_categories=("Electronics", "Audio"), item_brand=brand,
                    item_band=band, facts=tuple(facts))


DOTTED_HISTORY = "St. Clair Dog Harness No. 7, Large"
BLACK_DASH = "3DDPLUS PLA Printer Filament Black- 1kg Spool (2.2 lbs)"
CUSTOM = {
    "black_dash": _custom("mid", (Fact("similar_history_text", BLACK_DASH, 0.8,
                                       f'The shopper bought "{BLACK_DASH}", the closest item they own by '
                                       "product description."),), title="Anvil Beaker", brand=None),
    "category_only": _custom("premium"),
    "unpriced": _custom(None),
    "budget": _custom("budget", (CATEGORY, Fact("price_band", "budget", "budget",
                                                "The item is budget-priced for Electronics; the shopper "
                                                "usually buys budget-priced items."))),
    "mid": _custom("mid", (CATEGORY, Fact("price_band", "mid", "mid",
                                          "The item is mid-priced for Electronics; the shopper usually "
                                          "buys mid-priced items."))),
    "dotted_titles": _custom("mid", (Fact("similar_history_text", DOTTED_HISTORY, 0.8,
                                          f'The shopper bought "{DOTTED_HISTORY}", the closest item they own '
                                          "by product description."), CATEGORY),
                             title="Harbor Lane Cookbook Vol. 2: Quick Meals", brand=None),
}

# (evidence, sentence, None when it must pass, else a part of the expected reason)
TABLE = [
    # --- true positives: real template sentences (TemplateGenerator on this evidence) ---
    ("reason", "Reviews single out its battery, an aspect you often write about, and it was bought by 2 of "
               "your 3 most similar shoppers.", None),
    ("reason", "Recommended because reviewers praise its battery, something you care about, and you have "
               "bought 2 items in Electronics.", None),
    ("reason", "We picked this for you because its battery earns praise in reviews, which matters to you; "
               "also, it comes from Soniq, a brand you already buy.", None),
    ("reason", 'This could suit you because it reads much like "Soniq Bluetooth Speaker Mini", which you '
               "already own.", None),
    ("reason", "Suggested because it is a premium option for Electronics, and the model's collaborative "
               "signal ranks it highly for you.", None),
    ("portrait", "This shopper mostly buys items in Electronics and Pet Supplies.", None),
    ("portrait", "Their reviews speak well of battery and complain about taste.", None),
    ("portrait", "They usually shop in the budget price range, and they are a balanced rater.", None),
    ("description", "This premium Electronics pick from Soniq suits you well: its battery earns praise in "
                    "reviews, and you value battery.", None),
    ("reason", 'Your purchase of "Voltari Wall Adapter" points the model to it, and it is made by Soniq, '
               "which you have chosen before.", None),
    # --- true positives: natural paraphrases of the evidence ---
    ("reason", "Two of your three most similar shoppers bought it, and reviewers love its battery.", None),
    ("reason", "Reviewers rave about the battery of these headphones, and you have bought from Soniq before.",
     None),
    ("reason", "You usually buy budget-priced items, but this premium pick has a battery reviewers love.",
     None),
    ("reason", "Its battery is praised by reviewers, and this would be your second purchase from Soniq.",
     None),
    ("reason", "You have shopped in Electronics twice before, and reviewers praise its battery.", None),
    ("reason", f"The battery of the {HEADPHONES} is well reviewed, which suits what you write about.", None),
    ("portrait", "In their reviews they praise battery but criticise taste.", None),
    ("portrait", "This shopper mostly buys Electronics and Pet Supplies, averaging 3.5 stars in two reviews.",
     None),
    ("description", "This premium Soniq item in Electronics comes in black with a warranty of 2 years.",
     None),
    ("description", "Reviewers praise both the battery and the build quality of this premium Soniq pick.",
     None),
    ("reason", "Based on your taste for Electronics, you will love these Soniq headphones and their battery.",
     None),
    ("reason", "Don't miss these Soniq headphones, as reviewers praise their battery life.", None),
    ("budget", "This budget pick is a cheap way to add to the 2 items you own in Electronics.", None),
    ("mid", "This mid-range pick sits well with the 2 items you have bought in Electronics.", None),
    ("dotted_titles", f'It reads much like "{DOTTED_HISTORY}", which you already own.', None),
    ("dotted_titles", 'The "Harbor Lane Cookbook Vol. 2: Quick Meals" suits your 2 items in Electronics.',
     None),
    # Was rejected: the title's "Black-" did not match the quoted shortening's "Black".
    ("black_dash", 'It reads much like "3DDPLUS PLA Printer Filament Black", which you already own.', None),
    # --- numbers, in digits and in words ---
    ("reason", "Recommended because seven of your friends loved its battery life.", "'seven' (7)"),
    ("reason", "Recommended because a dozen similar shoppers bought it and reviewers praise its battery.",
     "'dozen' (12)"),
    ("reason", "Recommended because one of your five most similar shoppers bought it.", "'five' (5)"),
    ("reason", "This would be your fifth purchase from Soniq, with a battery reviewers praise.", "'fifth'"),
    ("reason", "Hundreds of similar shoppers bought it, and reviewers praise its battery.",
     "a count the evidence does not give: 'hundreds'"),
    ("reason", "Recommended because 20 of your most similar shoppers bought it.", "a number absent"),
    # --- aspect polarity and negation ---
    ("reason", "Reviewers complain that its battery is terrible, but you have bought 2 items in Electronics.",
     "turns praise of its battery into criticism"),
    ("reason", "Recommended because reviewers do not praise its battery, and it comes from Soniq.",
     "negates an opinion on its battery"),
    ("reason", "Reviewers never complain about its battery, and you have bought 2 items in Electronics.",
     "negates an opinion on its battery"),
    ("reason", "Its battery isn't well reviewed, though you have bought 2 items in Electronics.",
     "negates an opinion on its battery"),
    ("description", "This premium Soniq pick isn't durable, but reviewers praise its battery.",
     "negates an opinion on its durability"),
    ("description", "This premium Soniq pick feels flimsy, though reviewers praise its battery.",
     "turns praise of its quality into criticism"),
    ("portrait", "In their reviews they praise taste and complain about battery.",
     "turns criticism of taste into praise"),
    ("portrait", "In their reviews they praise taste and complain about battery.",
     "turns praise of its battery into criticism"),
    ("reason", "Recommended because reviewers praise its comfort, and you bought 2 items in Electronics.",
     "gives an opinion on its comfort, which the evidence does not mention"),
    ("reason", "Reviewers love its design, and you have bought 2 items in Electronics.",
     "gives an opinion on its design"),
    # --- brands and product names ---
    ("reason", "Apple makes great gear, and you have bought 2 items in Electronics.", "names 'Apple'"),
    ("reason", "It pairs with your Sony headphones and fits your 2 items in Electronics.", "names 'Sony'"),
    ("reason", "Recommended because Voltari makes great gear with a battery you will love.",
     "names a brand not in the evidence: 'voltari'"),
    ("reason", "It goes well with the Voltari Power Bank Max and has a battery reviewers praise.",
     "names a product not in the evidence"),
    ("reason", 'It reads much like "Soniq Studio Pro", which you already own.', "names 'Studio'"),
    ("reason", 'It reads much like "Soniq Bluetooth Headphones", which you already own.',
     "quotes a title not in the evidence: 'Soniq Bluetooth Headphones'"),
    ("reason", "Reviewers praise its battery, and Bose fans will feel at home with it.", "names 'Bose'"),
    # --- price words against the band ---
    ("reason", "Recommended because it is the cheapest option in Electronics for you.",
     "contradicts the price band: says 'cheapest'"),
    ("reason", "This affordable Soniq pick has a battery that reviewers praise.",
     "contradicts the price band: says 'affordable'"),
    ("reason", "A bargain for Electronics fans, with a battery that reviewers praise.",
     "contradicts the price band: says 'bargain'"),
    ("unpriced", "This premium pick in Electronics fits the way you shop.",
     "mentions price ('premium') but the evidence has no price"),
    ("budget", "This luxury pick is a fine addition to your 2 items in Electronics.",
     "contradicts the price band: says 'luxury'"),
    ("mid", "This premium pick sits well with the 2 items you have bought in Electronics.",
     "contradicts the price band: says 'premium'"),
    # --- claims outside the evidence kinds ---
    ("reason", "Recommended because seven of your friends loved its battery life.", "claims friends"),
    ("reason", "Recommended because it ships free tomorrow and you have bought 2 items in Electronics.",
     "claims shipping or delivery"),
    ("reason", "It is back in stock now, and you have bought 2 items in Electronics.",
     "claims stock or availability"),
    ("reason", "It is on sale this week, and reviewers praise its battery.", "claims a discount or deal"),
    ("reason", "This best-selling Soniq pick has a battery that reviewers praise.",
     "claims sales rank or popularity"),
    ("reason", "This award-winning Soniq pick has a battery that reviewers praise.",
     "claims an award or certification"),
    ("reason", "It comes with a money-back guarantee, and reviewers praise its battery.",
     "claims a guarantee or return policy"),
    ("portrait", "Their reviews praise battery, and they would enjoy free returns on their orders.",
     "claims a guarantee or return policy"),
    ("reason", "It is the best choice in Electronics for you, with a battery reviewers praise.",
     "claims a superlative about the shop"),
    ("reason", "Rated highly by reviewers, its battery is praised, and you like Soniq.",
     "mentions ratings ('rated')"),
    ("category_only", "Reviewers love it, and you have bought 2 items in Electronics.", "mentions reviews"),
    ("category_only", "Shoppers like you love it, and you have bought 2 items in Electronics.",
     "mentions what other shoppers do"),
    # --- generic praise cites nothing ---
    ("reason", "A great choice for you, and one you will surely enjoy every day!", "cites no evidence fact"),
    ("reason", "This is a wonderful pick that you are going to love for years.", "cites no evidence fact"),
]


@pytest.fixture(scope="module")
def evidences(ctx):
    u1_p1 = idx(ctx, "U1", "P1")
    return {"reason": build_evidence(ctx, *u1_p1), "portrait": portrait_evidence(ctx, *idx(ctx, "U1")),
            "description": description_evidence(ctx, *u1_p1), **CUSTOM}


@pytest.fixture(scope="module")
def catalogue(shop):
    return Catalogue.from_items(shop.items)


@pytest.mark.parametrize(("evidence", "sentence", "expected"), TABLE,
                         ids=[f"{e}-{'pass' if x is None else x[:30]}" for e, _, x in TABLE])
def test_adversarial_table(evidences, catalogue, evidence, sentence, expected):
    result = validate(sentence, evidences[evidence], catalogue)
    if expected is None:
        assert result.ok, result.reasons
    else:
        assert not result.ok
        assert any(expected in r for r in result.reasons), result.reasons


def test_table_covers_every_category_with_passes_and_failures():
    assert len(TABLE) >= 40
    assert sum(x is None for _, _, x in TABLE) >= 15


def test_the_template_sentences_in_the_table_are_what_the_templates_write(evidences):
    written = {s for name in ("reason", "portrait", "description")
               for s in split_sentences(TemplateGenerator().write(evidences[name]))}
    assert written <= {s for _, s, x in TABLE if x is None}, written


@pytest.mark.parametrize(("text", "expected"), [
    ("seven of your friends", [("seven", 7.0)]),
    ("twenty-five shoppers and a dozen reviews", [("twenty-five", 25.0), ("dozen", 12.0)]),
    ("bought twice, your third order", [("twice", 2.0), ("third", 3.0)]),
    ("one of your shoppers, this one, no one", [("one", 1.0)]),
    ("a couple of items", [("a couple of", 2.0)]),
])
def test_number_words(text, expected):
    assert number_words(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("reviewers praise its battery", [("battery", 1, False)]),
    ("its battery is terrible", [("battery", -1, False)]),
    ("they praise price and size, and criticise battery", [("price", 1, False), ("size", 1, False),
                                                            ("battery", -1, False)]),
    ("they praise price but criticise battery and design", [("price", 1, False), ("battery", -1, False),
                                                            ("design", -1, False)]),
    ("reviewers do not praise its battery", [("battery", 1, True)]),
    ("it isn't durable", [("durability", 1, True)]),
    ("its battery earns praise, and you value design", [("battery", 1, False), ("design", 0, False)]),
    ("a great match for your taste", []),
    ("it sits in the premium price range you usually shop in", [("price", 0, False)]),
])
def test_opinion_scope(text, expected):
    assert aspect_opinions(text) == expected


def test_a_three_word_brand_is_not_repeated_in_a_description():
    # Was: "... from Harbor Lane Press is worth a look, as Harbor Lane Press is a brand you have
    # bought before." (a repeated four-word phrase, so the template failed its own check).
    brand = "Harbor Lane Press"
    catalogue = Catalogue(["Harbor Lane Press Cookbook"], [brand], ["Books"])
    for user in range(12):
        ev = Evidence(task="description", user_index=user, user_id=f"U{user}", item_index=0, item_id="B1",
                      item_title="Harbor Lane Press Cookbook", item_category="Books", item_brand=brand,
                      facts=(Fact("item_category", "Books", "Books", "The item is in Books."),
                             Fact("item_brand", brand, brand, f"The item is made by {brand}."),
                             Fact("shared_brand", brand, 1, f"The shopper has bought 1 item from {brand}.")))
        text = TemplateGenerator().write(ev)
        assert text.count(brand) == 1, text
        assert validate(text, ev, catalogue).ok, text
