"""The built-in demo store: a seeded generator of a realistic shop whose shoppers have planted tastes.

Every user gets 1-3 favourite categories, preferred shelves within them, a price band and the
aspects they care about; every item a popularity (long tail) and a quality. Interactions are drawn
mostly from those tastes, ratings follow taste match and quality, and reviews are written so that
`llmrec.portraits.aspects.extract_aspects` reads back the aspects and the sentiment that were
planted. The planted structure is returned in `Dataset.ground_truth`, so every later stage
(recommenders, portraits, reasons) can be checked against the truth.

One module per step: `config` (sizes and seed), `catalogue` (products), `shoppers` (planted
tastes), `purchases` (interactions, ratings, times), `reviews` (review texts) and `generate`
(the seeded run that ties them together, and the ground truth). The words come from
`llmrec.data.demo_vocabulary`.
"""

from llmrec.data.demo.config import DemoConfig
from llmrec.data.demo.generate import generate_demo

__all__ = ["DemoConfig", "generate_demo"]
