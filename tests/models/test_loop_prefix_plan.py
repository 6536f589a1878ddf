"""The prefix-sharing plan of `llama_loop._share`: every copy reads tokens its source row
really holds, the last token of each prompt is always run, and a prefix several
newcomers share is computed once. (Its numbers against the model: test_local_loop.py.)"""

from __future__ import annotations

import random

from riskbench.models.llama_loop import MIN_SHARE, _copies_of, _share


def held_tokens(held: list[list[int]], new: list[list[int]],
                shared: list[tuple[int, int, tuple[int, int]]]) -> dict[int, list[int]]:
    """What each cache row holds once the shared prefixes ran: rows 0.. their prompts,
    newcomer j's row (len(held) + j) the shared prefix it computed."""
    rows = {r: ids for r, ids in enumerate(held)}
    for j, upto, copy in shared:
        source, length = _copies_of(len(held), copy)
        assert length < upto
        if length:
            assert rows[source][:length] == new[j][:length]  # from held rows
        rows[len(held) + j] = new[j][:upto]
    return rows


def test_every_copy_reads_what_its_source_holds_and_leaves_the_last_token() -> None:
    rng = random.Random(7)
    system = list(range(24))
    templates = [[100 + rng.randrange(50) for _ in range(n)] for n in (0, 40, 90)]
    for trial in range(40):
        def prompt() -> list[int]:
            item = [1000 + rng.randrange(500) for _ in range(rng.randrange(1, 30))]
            return system + rng.choice(templates) + item
        held = [prompt() for _ in range(rng.randrange(0, 6))]
        new = [prompt() for _ in range(rng.randrange(1, 12))]
        if trial % 5 == 0 and len(new) > 1:
            new[1] = new[0][:len(new[0]) // 2]  # a prompt that is another's prefix
            new.append(list(new[0]))  # and a duplicate
        shared, copies = _share(held, new)
        rows = held_tokens(held, new, shared)
        assert len({tuple(new[j][:upto]) for j, upto, _ in shared}) == len(shared)
        for j, ids in enumerate(new):
            source, length = _copies_of(len(held), copies[j])
            assert length <= len(ids) - 1
            if length:
                assert length >= MIN_SHARE
                assert rows[source][:length] == ids[:length]
        if not held and len(new) > 1:  # the system prompt is copied, never recomputed
            assert all(length >= len(system) for _, length in copies) or any(
                len(ids) <= len(system) for ids in new)
