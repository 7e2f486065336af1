"""The word lists the sentence checker reads meaning with: numbers, opinions, price words, claim kinds.

Small and explicit on purpose, so a reviewer can see why a sentence was rejected. All entries are
lower case; multi-word entries are matched as phrases on word boundaries.

Opinion scope (used by `validation.aspect_opinions`): a sentence is cut into clauses at . ; : ! ?,
at CLAUSE_BREAKS ("but", "however", ...) and at a comma followed by one of COMMA_BREAKS (", and",
", which", ...). An aspect mention takes the polarity of the nearest opinion word of its clause:
up to OPINION_LEFT_WINDOW words to its left, or up to OPINION_RIGHT_WINDOW words to its right
unless an aspect follows that word within 3 words (then it is that aspect's opinion: "praise price,
and criticise battery"); ties go left. A self-polar aspect word ("durable", "flimsy") carries its
own polarity. A negator up to NEGATION_WINDOW words before the opinion word negates it. An aspect
with no opinion word in scope is a neutral mention and is not checked.
"""

from __future__ import annotations

# Numbers written as words. "one" counts only before "of" or a counted noun ("one of your ...",
# "one item"), never in "this one" / "no one" / "one to consider".
NUMBER_WORDS: dict[str, float] = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
    "million": 1_000_000, "twice": 2, "thrice": 3, "dozen": 12, "half": 50, "a couple of": 2,
    "a pair of": 2,
}
# Ordinals are counts in phrases like "your third Soniq purchase": k is allowed when k or k - 1
# (the purchases before this one) is an evidence number. "first" is left out ("first choice").
ORDINALS: dict[str, float] = {
    "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
    "tenth": 10, "eleventh": 11, "twelfth": 12, "twentieth": 20,
}
# Vague large counts: no evidence states them.
VAGUE_COUNTS: tuple[str, ...] = ("dozens", "hundreds", "thousands", "millions", "countless", "scores of")
COUNTED_NOUNS = frozenset(
    "item items product products purchase purchases order orders friend friends shopper shoppers customer "
    "customers buyer buyers review reviews reviewer reviewers star stars person people time times brand "
    "brands category categories".split())

# Opinion words. Verbs, adjectives, adverbs and nouns alike; "well" covers "well reviewed",
# "speaks well of", "well made".
POSITIVE = frozenset(
    "praise praised praises praising praiseworthy love loved loves loving like liked likes enjoy enjoyed "
    "enjoys admire admired admires appreciate appreciated appreciates commend commended commends applaud "
    "applauded applauds rave raves raved approve approves approved approvingly acclaim acclaimed "
    "compliment compliments complimented impressed impressive great excellent good superb outstanding "
    "fantastic amazing wonderful terrific brilliant solid reliable dependable well well-reviewed "
    "strong stellar top-notch exceptional lovely nice perfect favourable favorable positive positively "
    "glowing happy pleased satisfied best better".split())
NEGATIVE = frozenset(
    "complain complains complained complaining complaint complaints criticise criticises criticised "
    "criticising criticize criticizes criticized criticizing criticism criticisms dislike dislikes "
    "disliked hate hates hated fault faults faulted blame blamed pan pans panned slam slams slammed "
    "terrible awful bad poor poorly weak fragile disappointing disappointed disappoints mediocre "
    "subpar unreliable defective faulty shoddy problem problems issue issues drawback drawbacks "
    "downside downsides worst worse negative negatively unhappy annoying horrible dissatisfied lacking "
    "lackluster lacklustre".split())
NEGATORS = frozenset(
    "not no never hardly barely rarely seldom nobody none neither nor without lacks lack fail fails "
    "failed cannot".split())
NEGATION_WINDOW = 3
OPINION_LEFT_WINDOW = 6
OPINION_RIGHT_WINDOW = 5
PERSON_POSSESSIVES = frozenset("your my our yours similar".split())  # "their" may be the item's
CLAUSE_BREAKS = ("but", "however", "although", "though", "while", "whereas", "yet", "except")
COMMA_BREAKS = ("and", "so", "which", "as", "also", "plus")  # after a comma: ", and it comes from ..."

# Aspect surface forms the checker trusts: the portrait lexicon's forms minus those that are also
# everyday words in shopping copy ("worth a look", "fits your interest", "you value", "soft spot").
ASPECT_FORMS: dict[str, tuple[str, ...]] = {
    "quality": ("quality", "build quality", "craftsmanship"),
    "price": ("price",),
    "durability": ("durability",),
    "ease of use": ("ease of use",),
    "design": ("design",),
    "size": ("size", "dimensions"),
    "comfort": ("comfort",),
    "performance": ("performance",),
    "battery": ("battery", "battery life", "charging"),
    "shipping": ("shipping", "delivery", "packaging"),
    "noise": ("noise", "noise level"),
    "taste": ("taste", "flavor", "flavour"),
}
# Aspect words that carry their own polarity.
SELF_POLAR: dict[str, tuple[str, int]] = {
    "sturdy": ("quality", 1), "well made": ("quality", 1), "well-made": ("quality", 1),
    "flimsy": ("quality", -1), "durable": ("durability", 1), "long-lasting": ("durability", 1),
    "broke": ("durability", -1), "broken": ("durability", -1), "breaks": ("durability", -1),
    "intuitive": ("ease of use", 1), "easy to use": ("ease of use", 1), "hard to use": ("ease of use", -1),
    "stylish": ("design", 1), "comfortable": ("comfort", 1), "uncomfortable": ("comfort", -1),
    "ergonomic": ("comfort", 1), "powerful": ("performance", 1), "sluggish": ("performance", -1),
    "quiet": ("noise", 1), "noisy": ("noise", -1), "delicious": ("taste", 1), "tasty": ("taste", 1),
    "bland": ("taste", -1),
}

# Price words per band. "affordable" fits budget and mid. Superlatives are claims (CLAIMS), not bands.
PRICE_WORDS: dict[str, tuple[str, ...]] = {
    "budget": ("budget", "budget-priced", "budget-friendly", "inexpensive", "low-priced", "low-cost",
               "cheap", "cheaper", "cheapest", "bargain", "lower-priced", "low price", "economical",
               "wallet-friendly"),
    "mid": ("mid-priced", "mid-range", "midrange", "mid price", "moderately priced", "mid-market",
            "middle price", "mid-price", "middle of the range"),
    "premium": ("premium", "premium-priced", "high-end", "luxury", "luxurious", "upmarket", "pricey",
                "expensive", "higher-priced", "top-end", "splurge", "high-priced", "upscale"),
    "budget|mid": ("affordable", "reasonably priced", "fairly priced"),
}
# A sentence about the shopper's habits may name their usual band too.
USUAL_MARKERS = ("usual", "usually", "typically", "normally", "tend to", "tends to", "mostly",
                 "most of what", "most of your", "most of their", "generally")

# Claims no evidence kind supports: (label, phrases). A phrase is allowed when the evidence's own
# texts contain it (e.g. a "warranty" attribute, a praised "shipping" aspect).
CLAIMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("shipping or delivery", ("ships", "shipped", "free shipping", "fast shipping", "delivery",
                              "delivered", "deliver", "arrives", "arrive", "tomorrow", "same-day",
                              "next-day", "overnight", "prime")),
    ("stock or availability", ("in stock", "out of stock", "sold out", "selling fast", "sells out",
                               "available now", "only a few left", "limited stock", "limited edition",
                               "limited time", "while supplies last", "back in stock")),
    ("a discount or deal", ("discount", "discounted", "on sale", "sale", "deal", "deals", "coupon", "promo",
                            "promotion", "clearance", "% off", "percent off", "price drop", "price cut",
                            "save", "savings", "half price", "bundle")),
    ("friends or other people's opinions", ("friend", "friends", "family", "followers", "influencer",
                                            "influencers", "celebrity", "celebrities", "expert",
                                            "experts", "neighbours", "neighbors", "colleagues",
                                            "everyone", "everybody", "millions")),
    ("sales rank or popularity", ("best-selling", "bestselling", "bestseller", "best seller",
                                  "best-seller", "top seller", "top-selling", "trending", "viral",
                                  "number one", "no. 1", "#1", "most popular", "hugely popular",
                                  "fan favourite", "fan favorite", "must-have", "cult")),
    ("an award or certification", ("award", "awards", "award-winning", "prize", "certified",
                                   "editor's choice", "editors' choice", "clinically", "approved by",
                                   "endorsed", "recommended by")),
    ("a guarantee or return policy", ("guarantee", "guaranteed", "warranty", "money-back", "refund",
                                      "free returns", "easy returns", "return policy", "risk-free",
                                      "lifetime")),
    ("a superlative about the shop", ("the best", "cheapest", "lowest price", "best price", "best deal",
                                      "best value", "unbeatable", "unmatched", "the finest",
                                      "the only", "nothing beats", "greatest")),
    ("novelty", ("new arrival", "just launched", "brand-new", "brand new", "latest", "newest",
                 "this season", "just arrived")),
)
# Words that need a fact of one of the given kinds (label, phrases, kinds).
NEEDS_KINDS: tuple[tuple[str, tuple[str, ...], frozenset[str]], ...] = (
    ("ratings", ("rating", "ratings", "rated", "stars", "star", "five-star", "5-star", "top-rated",
                 "highly rated", "rater"), frozenset({"rating_behaviour"})),
    ("reviews", ("review", "reviews", "reviewer", "reviewers", "reviewed", "well-reviewed"),
     frozenset({"praised_aspect", "item_praised_aspect", "user_praises", "user_criticises",
                "rating_behaviour"})),
    ("what other shoppers do", ("shoppers", "customers", "buyers", "people", "others", "users", "popular",
                                "favourite", "favorite"),
     frozenset({"popular_with_similar", "similar_history_mf"})),
)

# Capitalised words that are not names: sentence openers and other words that may start a sentence.
# An unknown capitalised word elsewhere in a sentence is taken for a brand or product name.
COMMON_OPENERS = frozenset(
    "a an the this that these those it its it's you your you're you've yours we we've our i if as since "
    "because given with for from in on at by to of and but so also plus recommended suggested picked "
    "chosen based here there they their them he she his her what which who why how when where while "
    "after before reviewers reviews shoppers customers buyers people many most some all every each "
    "another other one like unlike just only perfect great ideal looking need want try consider enjoy "
    "discover meet treat add keep make get find choose pick explore check think love thanks thank "
    "according considering judging whether although though yet still even both either neither "
    "such being having good nice fans similar shopping shopper buying owning buy grab upgrade shop bring "
    "stay step elevate experience ready time now next then thus overall ultimately finally first "
    "together absolutely don't don can do does did is are was were will would should could may might "
    "must let let's hello hi dear wow yes no not ever whatever whichever whenever wherever smart "
    "fan lovers lover quality style comfort design price value".split())
