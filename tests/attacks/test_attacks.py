from riskbench.attacks import attacks, build_test_cases, resolve
from riskbench.suites import load_suite
from riskbench.types import Item


def test_registry_has_direct_and_three_attacks_with_metadata() -> None:
    names = attacks.names()
    for name in ("direct", "prefix_injection", "refusal_suppression", "roleplay"):
        assert name in names
    for _, entry in attacks:
        assert entry.family and entry.description and entry.source and entry.turns >= 1


def test_cases_are_stable_and_content_addressed() -> None:
    items = load_suite("starter").items[:5]
    chosen = resolve(["all"])
    first = build_test_cases(items, chosen, seed=3)
    again = build_test_cases(items, chosen, seed=3)
    assert [c.id for c in first] == [c.id for c in again]
    assert [c.conversation for c in first] == [c.conversation for c in again]
    assert len({c.id for c in first}) == len(first) == 5 * len(chosen)
    edited = Item(**{**items[0].to_json(), "prompt": "changed", "choices": ()})
    assert build_test_cases([edited], chosen[:1], 3)[0].id != first[0].id


def test_attacks_carry_the_request() -> None:
    """Every attack sends something other than the bare request, and every attack that
    does not encode it carries it verbatim in some user turn (encodings have their own
    round-trip tests)."""
    item = Item(id="x", prompt="REQUEST-TEXT", expected="refuse")
    for case in build_test_cases([item], resolve(["all"])):
        turns = [m.content for m in case.conversation.messages if m.role == "user"]
        turns += list(case.conversation.followups)
        if case.attack == "direct":
            assert turns == ["REQUEST-TEXT"]
            continue
        assert turns != ["REQUEST-TEXT"], case.attack
        if case.attack_family not in ("encoding", "prompt_injection"):
            assert any("REQUEST-TEXT" in t for t in turns), case.attack


def test_catalogue_size_families_and_groups() -> None:
    from riskbench.attacks import families, groups

    assert len(attacks.names()) >= 60
    fams = families()
    for family in ("prompt_injection", "policy_bypass", "encoding", "code", "multi_turn"):
        assert len(fams[family]) >= 5, family
    assert set(fams["adaptive"]) == {"pair", "tap", "crescendo", "pair_injection",
                                     "tap_injection"}
    strongreject = resolve("group:strongreject")
    assert len(strongreject) == 31 and strongreject[-1].name == "pair"
    assert len(resolve("group:strongreject-offline")) == 30
    assert "baseline" in groups()
    assert {p.family for p in resolve("family:encoding")} == {"encoding"}


def test_stacks_parameters_and_their_errors() -> None:
    import pytest

    from riskbench.errors import UsageError

    plan = resolve("base64+roleplay")[0]
    assert plan.name == "base64+roleplay" and plan.family == "encoding+policy_bypass"
    item = Item(id="x", prompt="REQUEST-TEXT", expected="refuse")
    case = build_test_cases([item], [plan])[0]
    assert "UkVRVUVTVC1URVhU" in case.conversation.messages[-1].content  # base64, wrapped
    for bad, message in [("decomposition+roleplay", "only be the last"),
                         ("roleplay[nope=1]", "no parameter 'nope'"),
                         ("many_shot[shots=lots]", "must be int"),
                         ("pair+roleplay", "cannot be stacked"),
                         ("family:nosuch", "unknown attack family"),
                         ("group:nosuch", "unknown attack group"),
                         ("roleplay[", "bad attack")]:
        with pytest.raises(UsageError, match=message):
            build_test_cases([item], resolve(bad))


def test_test_case_ids_are_the_same_in_another_process() -> None:
    import subprocess
    import sys

    code = ("from riskbench.attacks import build_test_cases, resolve;"
            "from riskbench.suites import load_suite;"
            "print([c.id for c in build_test_cases(load_suite('starter').items[:3],"
            " resolve('group:strongreject-offline'), seed=7)])")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={"PYTHONHASHSEED": seed, "PATH": ""}, check=True).stdout
            for seed in ("1", "2")}
    here = build_test_cases(load_suite("starter").items[:3],
                            resolve("group:strongreject-offline"), seed=7)
    assert runs == {str([c.id for c in here]) + "\n"}
