"""Generated statement and request ids: version 4 UUIDs, never repeated, not even across a fork."""

from __future__ import annotations

import os
import uuid

from service.model.ids import random_uuid


def test_random_uuids_are_version_4_and_distinct() -> None:
    ids = [random_uuid() for _ in range(5_000)]  # spans several pooled draws
    assert len(set(ids)) == len(ids)
    assert all(i.version == 4 and i.variant == uuid.RFC_4122 for i in ids)


def test_a_forked_child_does_not_repeat_the_parent_ids() -> None:
    random_uuid()  # the pool now holds bytes a child would inherit
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(writer, random_uuid().bytes)
        os._exit(0)
    os.close(writer)
    os.waitpid(child, 0)
    child_id = uuid.UUID(bytes=os.read(reader, 16))
    os.close(reader)
    assert child_id != random_uuid()
