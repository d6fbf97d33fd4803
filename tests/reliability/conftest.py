from tests.scaleout.conftest import pg_database_url, redis_prefix

__all__ = ["pg_database_url", "redis_prefix"]
