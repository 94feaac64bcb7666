import pytest

from learningcity.network.tests.factories import City, make_city


@pytest.fixture
def city(db: None) -> City:
    """Shanghai in miniature: two districts, each with offices, a college, a school, a site
    and staff at every level."""
    return make_city()
