from tests.review.conftest import review_server

__all__ = ["review_server"]
