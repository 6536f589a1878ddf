"""The `mcq` suite format: WMDP style (question, choices, answer index) and MMLU-Pro style
(question, options, answer letter / answer_index) from JSONL, CSV and Parquet."""

import json
from pathlib import Path

import pytest

from riskbench.errors import UsageError
from riskbench.suites import load_suite
from riskbench.suites.public.mcq import PARQUET_HINT


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_wmdp_style_jsonl(tmp_path: Path) -> None:
    rows = [{"question": "Which port does SSH use by default?", "choices": ["21", "22", "80",
                                                                           "443"], "answer": 1},
            {"question": "Which is a hash function?", "choices": ["AES", "SHA-256"],
             "answer": 1}]
    path = write(tmp_path, "wmdp-cyber.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    suite = load_suite(f"mcq:{path}?domain_value=cyber")
    first, second = suite.items
    assert suite.name == "mcq:wmdp-cyber"
    assert first.expected == "answer" and first.answer == "B" and first.domain == "cyber"
    assert first.choices == ("21", "22", "80", "443")
    assert first.prompt.startswith("Which port does SSH use by default?")
    assert "A. 21\nB. 22\nC. 80\nD. 443" in first.prompt and "Answer: X" in first.prompt
    assert second.answer == "B" and first.id != second.id and first.id.startswith("mcq-")
    # ids come from content: loading again gives the same ids
    assert [i.id for i in load_suite(f"mcq:{path}").items] == [first.id, second.id]


def test_mmlu_pro_style_csv_with_letters_and_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "mmlu_pro.csv",
                 "question_id,question,options,answer,answer_index,category\n"
                 '7,What is 2+2?,"[""3"", ""4"", ""5""]",B,1,math\n')
    item = load_suite(f"mcq:{path}").items[0]
    assert (item.id, item.answer, item.category, item.choices) == ("7", "B", "math",
                                                                   ("3", "4", "5"))
    by_index = load_suite(f"mcq:{path}?answer=answer_index").items[0]
    assert by_index.answer == "B"
    cols = write(tmp_path, "cols.csv", "q,A,B,C,right\nPick one,x,y,z,z\n")
    item = load_suite(f"mcq:{cols}?question=q&choices=A,B,C&answer=right").items[0]
    assert item.choices == ("x", "y", "z") and item.answer == "C"


@pytest.mark.parametrize(("name", "text", "query", "needle"), [
    ("a.jsonl", '{"question": "q", "choices": ["x", "y"], "answer": 5}\n', "",
     "is index 5, but there are 2 choices"),
    ("a.jsonl", '{"question": "q", "choices": ["x", "y"], "answer": "Q"}\n', "",
     "give a 0-based index, a letter A-B"),
    ("a.jsonl", '{"choices": ["x", "y"], "answer": 0}\n', "", "field 'question' is missing"),
    ("a.jsonl", '{"question": "q", "answer": 0}\n', "", "no choices column"),
    ("a.jsonl", '{"question": "q", "choices": ["x"], "answer": 0}\n', "",
     "at least two choices"),
    ("a.jsonl", '{"question": "q", "choices": ["x", "y"], "answer": 0}\n', "?nope=1",
     "unknown option 'nope'"),
    ("a.jsonl", "not json\n", "", "not valid JSON"),
    ("a.txt", "x", "", "unknown file type .txt"),
    ("a.csv", "question,choices,answer\nq,x,0\n", "", "not a list"),
])
def test_bad_files_are_one_clear_line(tmp_path: Path, name: str, text: str, query: str,
                                      needle: str) -> None:
    path = write(tmp_path, name, text)
    with pytest.raises(UsageError, match=needle.replace("(", r"\(")) as exc:
        load_suite(f"mcq:{path}{query}")
    assert "\n" not in str(exc.value)
    with pytest.raises(UsageError, match="no such file"):
        load_suite(f"mcq:{tmp_path / 'missing.jsonl'}")


def test_parquet(tmp_path: Path) -> None:
    try:
        import pyarrow as pa  # type: ignore[import-not-found,import-untyped,unused-ignore]
        import pyarrow.parquet as pq  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        path = tmp_path / "x.parquet"
        path.write_bytes(b"PAR1")
        with pytest.raises(UsageError, match="pyarrow") as exc:
            load_suite(f"mcq:{path}")
        assert str(exc.value).endswith(PARQUET_HINT)
        return
    path = tmp_path / "mmlu.parquet"
    pq.write_table(pa.table({"question": ["2+2?"], "options": [["3", "4"]],
                             "answer": ["B"], "answer_index": [1]}), path)
    item = load_suite(f"mcq:{path}").items[0]
    assert item.choices == ("3", "4") and item.answer == "B"
