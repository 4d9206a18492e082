"""The test suite. Its shared helpers (tests/support/) have their asserts rewritten as the tests'
are, so a failure inside one explains itself too."""

import pytest

pytest.register_assert_rewrite("tests.support")
