"""Tables. Test cases are shared between runs (same content, same id); attempts and
verdicts are keyed so that each (run, test case, sample) is written once.

No `from __future__ import annotations` here: SQLAlchemy would `eval` the ~110 string
`Mapped[...]` annotations at import, a fifth of this module's import in every command."""

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class RunRow(Base):
    __tablename__ = "runs"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    model: Mapped[str] = mapped_column(String(512), index=True)
    suite: Mapped[str] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(String(16))
    config: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[str] = mapped_column(String(32), index=True)
    finished_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    n_cases: Mapped[int] = mapped_column(Integer)


class TestCaseRow(Base):
    __tablename__ = "test_cases"
    __test__ = False
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(256))
    source: Mapped[str] = mapped_column(String(256))
    attack: Mapped[str] = mapped_column(String(128))
    attack_family: Mapped[str] = mapped_column(String(64))
    expected: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(128))
    domain: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(16))
    scenario: Mapped[str] = mapped_column(String(128))
    prog_lang: Mapped[str] = mapped_column(String(32))
    item: Mapped[dict] = mapped_column(JSON)
    conversation: Mapped[dict] = mapped_column(JSON)
    params: Mapped[dict] = mapped_column(JSON)


class RunCaseRow(Base):
    __tablename__ = "run_cases"
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"),
                                        primary_key=True)
    test_case_id: Mapped[str] = mapped_column(ForeignKey("test_cases.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    __table_args__ = (Index("ix_run_cases_position", "run_id", "position"),)


class AttemptRow(Base):
    __tablename__ = "attempts"
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"),
                                        primary_key=True)
    test_case_id: Mapped[str] = mapped_column(ForeignKey("test_cases.id"), primary_key=True)
    sample: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    output: Mapped[str] = mapped_column(Text)
    transcript: Mapped[list] = mapped_column(JSON)
    prompt_tokens: Mapped[int] = mapped_column(Integer)
    completion_tokens: Mapped[int] = mapped_column(Integer)
    latency_s: Mapped[float] = mapped_column(Float)
    error: Mapped[str] = mapped_column(Text)
    cached: Mapped[bool] = mapped_column(Boolean)
    # 1: the writer added this row to case_counts itself (migration 0007)
    counted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    __table_args__ = (
        Index("ix_attempts_run_case_status", "run_id", "test_case_id", "sample", "status"),
    )


class VerdictRow(Base):
    __tablename__ = "verdicts"
    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    test_case_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    sample: Mapped[int] = mapped_column(Integer, primary_key=True)
    judge: Mapped[str] = mapped_column(String(128), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    safe: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    rationale: Mapped[str] = mapped_column(Text)
    # hash of the judge's code, data and judge model (Verdict.judge_version); "" before 0003
    judge_version: Mapped[str] = mapped_column(String(32), default="", server_default="")
    counted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # 0007
    __table_args__ = (
        ForeignKeyConstraint(
            ["run_id", "test_case_id", "sample"],
            ["attempts.run_id", "attempts.test_case_id", "attempts.sample"],
            ondelete="CASCADE",
        ),
        Index("ix_verdicts_run_judge", "run_id", "judge"),
    )


class ScoreCacheRow(Base):
    """A finished run's scores as computed once (JSON), valid while `fingerprint` (the
    run's state and the scoring code's version, store/score_cache.py) still matches."""

    __tablename__ = "score_cache"
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"),
                                        primary_key=True)
    variant: Mapped[str] = mapped_column(String(256), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(512))
    scores: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[str] = mapped_column(String(32))


class CaseCountRow(Base):
    """Per run, judge and test case, counts the database keeps as attempts and verdicts
    are written (triggers of migration 0006): judge '' holds the case's attempts by
    status, a judge's row its verdicts on the case's replies. Raw counts; metrics give
    them meaning."""

    __tablename__ = "case_counts"
    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    judge: Mapped[str] = mapped_column(String(128), primary_key=True)
    test_case_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)  # attempts ('' row) or judged replies
    ok: Mapped[int] = mapped_column(Integer)
    blocked: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)  # errors and time-outs
    safe: Mapped[int] = mapped_column(Integer)  # verdicts with safe = true
    o_safe: Mapped[int] = mapped_column(Integer)  # o_<outcome>: verdicts per outcome
    o_unsafe: Mapped[int] = mapped_column(Integer)
    o_refusal: Mapped[int] = mapped_column(Integer)
    o_compliance: Mapped[int] = mapped_column(Integer)
    o_correct: Mapped[int] = mapped_column(Integer)
    o_incorrect: Mapped[int] = mapped_column(Integer)
    o_undetermined: Mapped[int] = mapped_column(Integer)
    o_evasive: Mapped[int] = mapped_column(Integer)
    decided: Mapped[int] = mapped_column(Integer)  # outcome other than undetermined
    score_sum: Mapped[float] = mapped_column(Float)  # of the decided verdicts
    partial: Mapped[int] = mapped_column(Integer)  # compliance scored within the band


class CaseCountsBandRow(Base):
    """The partial-refusal score band `case_counts.partial` is counted with."""

    __tablename__ = "case_counts_band"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    low: Mapped[float] = mapped_column(Float)
    high: Mapped[float] = mapped_column(Float)


class MonitorModelRow(Base):
    """The monitor's model registry (frontier-risk monitor)."""

    __tablename__ = "monitor_models"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    vendor: Mapped[str] = mapped_column(String(128))
    family: Mapped[str] = mapped_column(String(128))
    release_date: Mapped[str | None] = mapped_column(String(10), nullable=True)
    open_weights: Mapped[bool] = mapped_column(Boolean)
    reasoning: Mapped[bool] = mapped_column(Boolean)
    modality: Mapped[str] = mapped_column(String(64))
    beta: Mapped[float | None] = mapped_column(Float, nullable=True)
    specs: Mapped[list] = mapped_column(JSON)
    updated_at: Mapped[str] = mapped_column(String(32))


class ImportedScoreRow(Base):
    """A benchmark score measured elsewhere, with its provenance; every import is kept,
    the newest per model x benchmark counts."""

    __tablename__ = "monitor_imported_scores"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model: Mapped[str] = mapped_column(String(128), index=True)
    benchmark: Mapped[str] = mapped_column(String(128))
    score: Mapped[float] = mapped_column(Float)
    n: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str] = mapped_column(Text)
    file: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[str] = mapped_column(String(32))
    measured_at: Mapped[str] = mapped_column(String(32))


class MonitorScoreRow(Base):
    """C, S and R of one model in one domain under one config version."""

    __tablename__ = "monitor_scores"
    model: Mapped[str] = mapped_column(String(128), primary_key=True)
    domain: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(128), primary_key=True)
    capability: Mapped[float | None] = mapped_column(Float, nullable=True)
    safety: Mapped[float | None] = mapped_column(Float, nullable=True)
    risk: Mapped[float | None] = mapped_column(Float, nullable=True)
    beta: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[str] = mapped_column(String(32), index=True)
    missing: Mapped[list] = mapped_column(JSON)
    benchmarks: Mapped[list] = mapped_column(JSON)


class CampaignRow(Base):
    """A campaign: one spec run over several models; its runs are in campaign_runs."""

    __tablename__ = "campaigns"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    spec: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[str] = mapped_column(String(32), index=True)


class CampaignRunRow(Base):
    """Which run holds which model x suite of a campaign (a run belongs to one campaign)."""

    __tablename__ = "campaign_runs"
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             primary_key=True)
    label: Mapped[str] = mapped_column(String(256), primary_key=True)
    suite: Mapped[str] = mapped_column(String(512), primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"),
                                        unique=True)
    position: Mapped[int] = mapped_column(Integer)
