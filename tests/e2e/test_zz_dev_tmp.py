from pathlib import Path

import pytest

from tests.e2e.test_e2e_no_network import *  # noqa


@pytest.fixture(scope="module")
def payload_workspace():  # noqa
    return Path("/tmp/uisafety/ws")
