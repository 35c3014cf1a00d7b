"""The fleet's fixtures (an enrolled kiosk, an admin; a department with a published item and its webhook
endpoint) for the case tests that need the HTTP APIs."""

from tests.platform.fleet.conftest import fleet  # noqa: F401
from tests.platform.fleet.test_cases import world  # noqa: F401
