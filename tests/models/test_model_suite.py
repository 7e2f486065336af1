"""Every registered recommender passes the shared RecommenderSuite."""

from llmrec.models import BPRMF, MODELS, ItemKNN, Popularity, RatingMF, TextAwareMF
from tests.models.recommender_suite import RecommenderSuite

SMALL_MF = dict(factors=8, epochs=5, batch_size=64, lr=0.05, reg=0.05)


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


def test_every_registered_model_has_a_suite():
    from tests.models.test_sasrec import TestSASRecSuite, TestTextSASRecSuite  # here, not collected twice

    suites = {TestPopularity, TestItemKNN, TestBPRMF, TestRatingMF, TestTextAwareMF,
              TestSASRecSuite, TestTextSASRecSuite}
    covered = {type(suite().make_model()) for suite in suites}
    assert covered == set(MODELS.values())
