"""State, activity profile and agent profile documents: ETags, preconditions, merge."""

from __future__ import annotations

import json

import pytest

from learningcity.network.tests.factories import City
from learningcity.xapi.tests.factories import XapiClient, activity_id, issue

AGENT = json.dumps({"mbox": "mailto:doc@example.org"})


@pytest.fixture
def lrs(city: City) -> XapiClient:
    return XapiClient(issue(city))


def _state(activity: str, state_id: str = "bookmark", **more: str) -> str:
    from urllib.parse import urlencode

    return "/xapi/activities/state?" + urlencode(
        {"activityId": activity, "agent": AGENT, "stateId": state_id, **more}
    )


def test_state_put_get_delete(lrs: XapiClient) -> None:
    url = _state(activity_id())
    assert lrs.put(url, b"page 7", content_type="text/plain").status_code == 204
    got = lrs.get(url)
    assert got.status_code == 200
    assert got.content == b"page 7"
    assert got["Content-Type"] == "text/plain"
    assert got["ETag"].startswith('"')
    assert lrs.delete(url).status_code == 204
    assert lrs.get(url).status_code == 404


def test_state_post_merges_json_objects_and_refuses_other_content(lrs: XapiClient) -> None:
    url = _state(activity_id())
    lrs.post(url, {"page": 7, "volume": 1})
    lrs.post(url, {"page": 8})
    assert json.loads(lrs.get(url).content) == {"page": 8, "volume": 1}
    assert lrs.post(url, b"plain", content_type="text/plain").status_code == 400
    assert lrs.post(url, [1, 2]).status_code == 400


def test_state_ids_list_and_delete_all(lrs: XapiClient) -> None:
    activity = activity_id()
    lrs.put(_state(activity, "a"), {"x": 1})
    lrs.put(_state(activity, "b"), {"x": 2})
    from urllib.parse import urlencode

    listing = "/xapi/activities/state?" + urlencode({"activityId": activity, "agent": AGENT})
    assert lrs.get(listing).json() == ["a", "b"]
    assert lrs.delete(listing).status_code == 204
    assert lrs.get(listing).json() == []


def test_state_is_private_to_the_provider(city: City) -> None:
    url = _state(activity_id())
    XapiClient(issue(city)).put(url, {"x": 1})
    assert XapiClient(issue(city, city.b.college)).get(url).status_code == 404


def _profile(activity: str, profile_id: str = "syllabus") -> str:
    from urllib.parse import urlencode

    return "/xapi/activities/profile?" + urlencode(
        {"activityId": activity, "profileId": profile_id}
    )


def test_profile_etag_concurrency(lrs: XapiClient) -> None:
    url = _profile(activity_id())
    assert lrs.put(url, {"v": 1}, **{"If-None-Match": "*"}).status_code == 204
    etag = lrs.get(url)["ETag"]
    assert lrs.put(url, {"v": 2}, **{"If-None-Match": "*"}).status_code == 412
    assert lrs.put(url, {"v": 2}).status_code == 409  # no precondition on an existing profile
    assert lrs.put(url, {"v": 2}, **{"If-Match": '"0000"'}).status_code == 412
    assert lrs.put(url, {"v": 2}, **{"If-Match": etag}).status_code == 204
    assert json.loads(lrs.get(url).content) == {"v": 2}
    assert lrs.put(url, {"v": 3}, **{"If-Match": etag}).status_code == 412
    assert lrs.delete(url, **{"If-Match": etag}).status_code == 412


def test_agent_profile_roundtrip(lrs: XapiClient) -> None:
    from urllib.parse import urlencode

    url = "/xapi/agents/profile?" + urlencode({"agent": AGENT, "profileId": "prefs"})
    assert lrs.post(url, {"lang": "zh"}).status_code == 204
    assert lrs.post(url, {"size": "large"}).status_code == 204
    assert json.loads(lrs.get(url).content) == {"lang": "zh", "size": "large"}
    listing = "/xapi/agents/profile?" + urlencode({"agent": AGENT})
    assert lrs.get(listing).json() == ["prefs"]


def test_document_parameters_are_checked(lrs: XapiClient) -> None:
    assert lrs.get("/xapi/activities/state", {"activityId": activity_id()}).status_code == 400
    assert lrs.get("/xapi/activities/state", {"agent": AGENT}).status_code == 400
    bad_registration = _state(activity_id(), registration="nope")
    assert lrs.get(bad_registration).status_code == 400
    assert lrs.put("/xapi/activities/profile?activityId=" + activity_id(), {}).status_code == 400
