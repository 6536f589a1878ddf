"""Item and Conversation serialise, field by field, to what `dataclasses.asdict` gives
(types.py builds them without asdict's deep copies of every string: planning speed)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from riskbench import attacks
from riskbench.suites import load_suite
from riskbench.types import Conversation, ImageMessage, Item, Message, ToolCall, ToolCallMessage


def _asdict_item(item: Item) -> dict[str, Any]:
    data = dataclasses.asdict(item)
    data["choices"] = list(item.choices)
    data["meta"] = dict(item.meta)
    return data


def _same(a: object, b: object) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_items_and_conversations_serialise_as_asdict_did() -> None:
    suite = load_suite("starter")
    made = Item("x", "p", "refuse", category="c", lang="fr", choices=("a", "b"),
                meta={"images": ["data:x"], "nested": {"k": [1, 2, {"z": "y"}]}})
    items = [*suite.items, made]
    for item in items:
        assert _same(item.to_json(), _asdict_item(item)), item.id
    cases = attacks.build_test_cases(items, attacks.resolve(("direct", "roleplay"),
                                                            suite.modality), 0)
    conversations = [c.conversation for c in cases] + [Conversation(
        (Message("system", "s"), ImageMessage("user", "u", ("data:x",)),
         ToolCallMessage("assistant", "", (ToolCall("1", "f", "{}"),))), ("next",))]
    for conversation in conversations:
        expected = {"messages": [dataclasses.asdict(m) for m in conversation.messages],
                    "followups": list(conversation.followups)}
        assert conversation.to_json() == expected
    # a copy: editing what to_json gave does not edit the frozen item
    data = made.to_json()
    data["meta"]["nested"]["k"].append(3)
    assert made.meta["nested"]["k"] == [1, 2, {"z": "y"}]
