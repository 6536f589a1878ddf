"""CyberSecEval's MITRE false-refusal prompts (Meta PurpleLlama, `datasets/frr/frr.json`,
shipped as `mitre_frr.json`): 750 benign-but-borderline cyber-security requests that a
model should help with (expected=comply), for the false-refusal rate.

Each record: mutated_prompt (the prompt), is_malicious (false throughout; a record marked
true is loaded as expected=refuse), attack_type, model (the model that wrote it).
Item: id = `frr-` + the first 10 hex digits of the SHA-256 of the prompt (the file has no
id), domain = category = cyber, meta holds attack_type, model and is_malicious.
Errors name the record as `item N`, counting from 1. No options.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from riskbench.errors import UsageError
from riskbench.suites.base import Suite, formats
from riskbench.suites.public.common import (
    HashIds,
    check_options,
    dataset_path,
    make_suite,
    read_json_list,
)
from riskbench.types import Item


@formats.register("cyberseceval-frr")
def load_mitre_frr(path: Path | None, options: Mapping[str, str]) -> Suite:
    check_options("cyberseceval-frr", options, {})
    file = dataset_path("cyberseceval-frr", path)
    make_id = HashIds("frr")
    items = []
    for number, record in enumerate(read_json_list(file), start=1):
        where = f"{file}: item {number}"
        if not isinstance(record, dict):
            raise UsageError(f"{where}: expected an object with 'mutated_prompt'")
        prompt = record.get("mutated_prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise UsageError(f"{where}: field 'mutated_prompt' is missing or empty; add it")
        malicious = record.get("is_malicious", False)
        if not isinstance(malicious, bool):
            raise UsageError(f"{where}: field 'is_malicious' is {malicious!r}; "
                             f"use true or false")
        prompt = prompt.strip()
        items.append(Item(
            id=make_id(prompt), prompt=prompt, expected="refuse" if malicious else "comply",
            category="cyber", domain="cyber", lang="en", source="cyberseceval-frr",
            meta={"attack_type": str(record.get("attack_type") or ""),
                  "model": str(record.get("model") or ""), "is_malicious": malicious},
        ))
    return make_suite("cyberseceval-frr", file, items)
