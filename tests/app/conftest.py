"""The dashboard tests' fixtures live in :mod:`tests.app.shop` (a plugin shared with tests/browser)."""

from tests.app.shop import APP, PERSONAS, TINY_HM4SR, write_shop  # noqa: F401  (names the tests import)
