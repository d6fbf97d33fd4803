from tests.scaleout.conftest import redis_prefix

__all__ = ["redis_prefix"]
