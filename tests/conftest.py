import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support import KernelDriver


@pytest.fixture(scope="module")
def kernel():
    """One real reactive kernel process per test module."""
    driver = KernelDriver()
    yield driver
    driver.shutdown()


@pytest.fixture
def fresh_kernel():
    """A real reactive kernel process for one test."""
    driver = KernelDriver()
    yield driver
    driver.shutdown()
