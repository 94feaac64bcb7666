import pytest

from learningcity.catalog.tests.factories import Catalog, make_catalog
from learningcity.network.tests.factories import City


@pytest.fixture
def catalog(city: City) -> Catalog:
    """The city's small catalog (see `make_catalog`)."""
    return make_catalog(city)
