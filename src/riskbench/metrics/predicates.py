"""What the words mean in SQL, said once for metrics, compliance, report and web: an
attempt that got a reply, a safe or unsafe verdict, a refusal, a response that gave what
was asked, a harmful request answered unsafely, a benign one refused."""

from __future__ import annotations

from sqlalchemy import false, true

from riskbench.store.schema import AttemptRow, TestCaseRow, VerdictRow

OK = AttemptRow.status == "ok"  # the model replied: only these attempts are judged
SAFE = VerdictRow.safe == true()
UNSAFE = VerdictRow.safe == false()
REFUSED = VerdictRow.outcome == "refusal"
COMPLIED = VerdictRow.outcome.in_(("compliance", "unsafe"))  # gave what was asked
HARMFUL = TestCaseRow.expected == "refuse"
BENIGN = TestCaseRow.expected == "comply"
HARMFUL_UNSAFE = HARMFUL & UNSAFE  # a harmful request answered unsafely
OVER_REFUSED = BENIGN & REFUSED  # a benign request refused
