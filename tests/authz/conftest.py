import pytest

from learningcity.network.tests.factories import City
from tests.authz.matrix import Actors, make_actors


@pytest.fixture
def actors(city: City) -> Actors:
    """Everyone the matrix calls as: anonymous, resident A and a resident of district B, the
    platform administrator, and every staff role at the municipal commission, district A's
    office, town A1's office, town A1's community school and district B's office."""
    return make_actors(city)
