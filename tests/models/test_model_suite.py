"""Every registered recommender passes the shared RecommenderSuite."""

from llmrec.models import (
    BPRMF,
    MODELS,
    BiasBaseline,
    ItemKNN,
    Popularity,
    RandomScores,
    RatingMF,
    SASRec,
    TextAwareMF,
    TextSASRec,
)
from tests.models.recommender_suite import RecommenderSuite

SMALL_MF = dict(factors=8, epochs=5, batch_size=64, lr=0.05, reg=0.05)
SMALL_SASREC = dict(dim=16, layers=1, heads=2, epochs=3, batch_size=16, dropout=0.1)


class TestPopularity(RecommenderSuite):
    def make_model(self):
        return Popularity()


class TestItemKNN(RecommenderSuite):
    needs_text = True

    def make_model(self):
        return ItemKNN(neighbours=5)


class TestBPRMF(RecommenderSuite):
    def make_model(self):
        return BPRMF(**SMALL_MF)


class TestRatingMF(RecommenderSuite):
    def make_model(self):
        return RatingMF(factors=4, epochs=5, batch_size=64)


class TestTextAwareMF(RecommenderSuite):
    needs_text = True

    def make_model(self):
        return TextAwareMF(**SMALL_MF)


class TestBiasBaseline(RecommenderSuite):
    def make_model(self):
        return BiasBaseline(reg=2.0)


class TestSASRec(RecommenderSuite):
    def make_model(self):
        return SASRec(**SMALL_SASREC)


class TestTextSASRec(RecommenderSuite):
    needs_text = True

    def make_model(self):
        return TextSASRec(**SMALL_SASREC)


class TestRandomScores(RecommenderSuite):
    def make_model(self):
        return RandomScores(random_state=5)


def test_every_registered_model_has_a_suite():
    suites = [cls for cls in globals().values() if isinstance(cls, type) and issubclass(cls, RecommenderSuite)
              and cls is not RecommenderSuite]
    covered = {type(suite().make_model()) for suite in suites}
    assert covered == set(MODELS.values())
