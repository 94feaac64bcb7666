"""The base model's helpers."""

from __future__ import annotations

import time
import uuid

from learningcity.core.models import uuid7


def test_uuid7_is_version_7_and_ordered_by_time() -> None:
    ids = []
    for _ in range(5):
        ids.append(uuid7())
        time.sleep(0.002)
    assert [i.version for i in ids] == [7] * 5
    assert all(i.variant == uuid.RFC_4122 for i in ids)
    assert ids == sorted(ids)
    assert len(set(uuid7() for _ in range(1000))) == 1000
