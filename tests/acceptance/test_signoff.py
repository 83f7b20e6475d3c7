"""Sign-offs (DESIGN section 7): who, when, which pair, criterion and scope, why; append-only; expiry;
refusals that write nothing; waivers that survive a restart; concurrent writers lose nothing."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import shutil
from pathlib import Path
from typing import Any

import pytest
from gate_world import EXPECTED, KEY_LEVEL, SHARES, STAKEHOLDERS_TOML, build_store, stakeholders

from dashboard.acceptance.results import GateResult
from dashboard.acceptance.service import run_gate, sign_off
from dashboard.acceptance.signoff import active_waiver, list_signoffs, revoke_signoff
from dashboard.errors import NotFoundError, RelcheckError
from dashboard.stakeholders import parse_stakeholders
from dashboard.store.catalog import Store, append_jsonl, read_jsonl

TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("signoff-data")
    build_store(root)
    return root / "store"


@pytest.fixture
def store(built: Path, tmp_path: Path) -> Store:
    shutil.copytree(built, tmp_path / "store")
    return Store(tmp_path / "store")


def freshco_status(store: Store, today: dt.date | None = None) -> str:
    g = run_gate(store, "r1", "r2", stakeholders(), record=False, today=today, attribute=False)
    r = g.result(KEY_LEVEL, "customer:freshco")
    assert r is not None
    return r.status


def log_bytes(store: Store) -> bytes | None:
    return store.signoffs_path.read_bytes() if store.signoffs_path.exists() else None


# ---------------------------------------------------------------------------------------------- records


def test_sign_off_appends_a_complete_record(store: Store) -> None:
    rec = sign_off(store, "r1", "r2", KEY_LEVEL, "customer:freshco", "  Ann Lee ", "FreshCo agreed the polygons",
                   dt.date(2099, 1, 31), stakeholders=stakeholders())
    assert rec["record"] == "signoff" and len(rec["id"]) == 36
    assert (rec["by"], rec["reason"]) == ("Ann Lee", "FreshCo agreed the polygons")
    assert (rec["current"], rec["candidate"], rec["criterion"], rec["scope"]) == (
        "r1", "r2", KEY_LEVEL, "customer:freshco"
    )
    assert rec["expires"] == "2099-01-31" and rec["status"] == "fail" and rec["metric"] == "level_change_pct"
    at = dt.datetime.fromisoformat(rec["at"].replace("Z", "+00:00"))
    assert at.tzinfo is not None and abs((dt.datetime.now(dt.UTC) - at).total_seconds()) < 60
    assert read_jsonl(store.signoffs_path) == [rec]
    assert list_signoffs(store) == [{**rec, "revoked": None}]
    assert list_signoffs(store, "r1", "r2") == list_signoffs(store)
    assert list_signoffs(store, "r2", "r1") == []


def test_a_warn_can_be_signed_off_and_a_waived_one_renewed(store: Store) -> None:
    sh = stakeholders()
    sign_off(store, "r1", "r2", SHARES, "customer:freshco", "Bo", "share shift explained", None, stakeholders=sh)
    g = run_gate(store, "r1", "r2", sh, record=False)
    assert g.result(SHARES, "customer:freshco").status == "waived"  # type: ignore[union-attr]
    assert g.counts["warn"] == 2
    # Renewing (e.g. a later expiry) is allowed: the result is still a warn underneath.
    sign_off(store, "r1", "r2", SHARES, "customer:freshco", "Bo", "renewed", None, gate=g)
    assert len(list_signoffs(store)) == 2


def test_waiver_survives_a_restart(store: Store) -> None:
    sign_off(store, "r1", "r2", KEY_LEVEL, "customer:freshco", "Ann", "accepted", None, stakeholders=stakeholders())
    fresh = Store(store.home)  # a new process would build exactly this
    g = run_gate(fresh, "r1", "r2", stakeholders(), record=False)
    r = g.result(KEY_LEVEL, "customer:freshco")
    assert r is not None and r.status == "waived" and r.waiver is not None and r.waiver.by == "Ann"
    assert g.counts["fail"] == 2  # regions MW and S: a block criterion without data


def test_a_sign_off_is_for_its_pair_only(store: Store) -> None:
    sign_off(store, "r1", "r2", KEY_LEVEL, "customer:freshco", "Ann", "accepted", None, stakeholders=stakeholders())
    # Same releases the other way round: a different pair, nothing waived.
    g = run_gate(store, "r2", "r1", stakeholders(), record=False)
    assert g.counts["waived"] == 0


# ---------------------------------------------------------------------------------------------- expiry


def test_expiry_is_the_last_valid_day(store: Store) -> None:
    sign_off(store, "r1", "r2", KEY_LEVEL, "customer:freshco", "Ann", "until today", TODAY,
             stakeholders=stakeholders())
    assert freshco_status(store, TODAY) == "waived"
    assert freshco_status(store, TODAY + dt.timedelta(days=1)) == "fail"


def test_a_sign_off_expired_yesterday_no_longer_waives(store: Store) -> None:
    """A record written earlier (as the log would hold it) whose expiry was yesterday."""
    yesterday = TODAY - dt.timedelta(days=1)
    append_jsonl(store.signoffs_path, {
        "record": "signoff", "id": "00000000-0000-4000-8000-000000000001", "at": "2026-01-01T00:00:00Z",
        "by": "Ann", "reason": "temporary", "current": "r1", "candidate": "r2", "criterion": KEY_LEVEL,
        "scope": "customer:freshco", "expires": yesterday.isoformat(), "status": "fail",
    })
    assert freshco_status(store) == "fail"
    assert freshco_status(store, yesterday) == "waived"


def test_active_waiver_picks_the_latest_valid_record() -> None:
    base = {"record": "signoff", "current": "a", "candidate": "b", "criterion": "c", "scope": "all"}
    recs = [
        {**base, "id": "1", "at": "2026-01-01T00:00:00Z", "by": "x", "reason": "old", "expires": None},
        {**base, "id": "2", "at": "2026-02-01T00:00:00Z", "by": "y", "reason": "new", "expires": "2026-03-01"},
        {**base, "id": "3", "at": "2026-02-02T00:00:00Z", "by": "z", "reason": "other scope", "expires": None,
         "scope": "region:W"},
    ]
    assert active_waiver(recs, "a", "b", "c", "all", dt.date(2026, 2, 15))["id"] == "2"  # type: ignore[index]
    assert active_waiver(recs, "a", "b", "c", "all", dt.date(2026, 3, 2))["id"] == "1"  # type: ignore[index]
    revoked = recs + [{"record": "revocation", "id": "9", "revokes": "1", "by": "q", "reason": "r", "at": "t"}]
    assert active_waiver(revoked, "a", "b", "c", "all", dt.date(2026, 3, 2)) is None
    assert active_waiver(recs, "a", "b", "other", "all", dt.date(2026, 2, 15)) is None


def test_revocation_is_a_new_record(store: Store) -> None:
    rec = sign_off(store, "r1", "r2", KEY_LEVEL, "customer:freshco", "Ann", "accepted", None,
                   stakeholders=stakeholders())
    before = log_bytes(store)
    assert before is not None
    rev = revoke_signoff(store, rec["id"], "Head of data", "customer complained")
    after = log_bytes(store)
    assert after is not None and after.startswith(before)  # nothing rewritten, one line appended
    assert [r["record"] for r in read_jsonl(store.signoffs_path)] == ["signoff", "revocation"]
    listed = list_signoffs(store)
    assert len(listed) == 1 and listed[0]["revoked"]["by"] == "Head of data"
    assert listed[0]["revoked"]["id"] == rev["id"]
    assert freshco_status(store) == "fail"
    with pytest.raises(NotFoundError):
        revoke_signoff(store, "no-such-id", "x", "y")


# ---------------------------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"by": ""}, "name of the person"),
        ({"by": "   "}, "name of the person"),
        ({"reason": ""}, "needs a reason"),
        ({"reason": " \n "}, "needs a reason"),
        ({"criterion": "key customers keep their levels"}, "no criterion"),
        ({"criterion": "total level", "scope": "all"}, "is pass"),  # a pass cannot be signed off
        ({"criterion": "categories keep their level", "scope": "category:Cafes"}, "is no_data"),
        ({"criterion": KEY_LEVEL, "scope": "customer:ironworks"}, "not judged on scope"),  # where: key only
        ({"scope": "customer"}, "bad scope"),
        ({"candidate": "r9"}, "unknown release 'r9'"),
        ({"expires": dt.date(2020, 1, 1)}, "already past"),
    ],
)
def test_refusals_write_nothing(store: Store, kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {
        "current": "r1", "candidate": "r2", "criterion": KEY_LEVEL, "scope": "customer:freshco",
        "by": "Ann", "reason": "ok", "expires": None,
    }
    args.update(kwargs)
    with pytest.raises(RelcheckError, match=message):
        sign_off(store, stakeholders=stakeholders(), **args)
    assert log_bytes(store) is None


def test_refused_when_the_gate_given_is_for_another_pair(store: Store) -> None:
    g = run_gate(store, "r2", "r1", stakeholders(), record=False, attribute=False)
    with pytest.raises(RelcheckError, match="not r1 → r2"):
        sign_off(store, "r1", "r2", KEY_LEVEL, "customer:freshco", "Ann", "ok", None, gate=g)
    assert log_bytes(store) is None


def test_refused_when_the_result_passes_under_the_stakeholders_given(store: Store) -> None:
    """Judged by the gate evaluated with these stakeholders: with a ±50 % bound FreshCo's +16.7 % passes."""
    text = STAKEHOLDERS_TOML.replace('min = -5.0\nmax = 5.0\nseverity = "block"',
                                     'min = -50.0\nmax = 50.0\nseverity = "block"', 1)
    assert text != STAKEHOLDERS_TOML
    relaxed = parse_stakeholders(text, source="<relaxed>")
    with pytest.raises(RelcheckError, match="is pass"):
        sign_off(store, "r1", "r2", KEY_LEVEL, "customer:freshco", "Ann", "ok", None, stakeholders=relaxed)
    assert log_bytes(store) is None


# ---------------------------------------------------------------------------------------------- concurrency

MANY_CUSTOMERS = 10
MANY_CRITERIA = 10


def many_stakeholders_text() -> str:
    """10 customers × 10 always-failing criteria: 100 different results to sign off."""
    parts = []
    for i in range(MANY_CUSTOMERS):
        parts.append(f'[[customers]]\nid = "c{i}"\nname = "Customer {i}"\nbrands = ["FreshCo"]\n')
    for j in range(MANY_CRITERIA):
        parts.append(
            f'[[criteria]]\nname = "crit {j}"\napplies_to = "customers"\nmetric = "visits_candidate"\n'
            f'max = {-j - 1}.0\nseverity = "block"\n'
        )
    return "\n".join(parts)


def _sign_many(home: str, gate: GateResult, items: list[tuple[str, str]], by: str, barrier: Any) -> None:
    store = Store(home)
    barrier.wait(timeout=60)
    for criterion, scope in items:
        sign_off(store, "r1", "r2", criterion, scope, by, f"{by} accepts {criterion} on {scope}", None, gate=gate)


def test_concurrent_writers_lose_nothing(store: Store) -> None:
    sh = parse_stakeholders(many_stakeholders_text(), source="<many>")
    gate = run_gate(store, "r1", "r2", sh, record=False, attribute=False)
    failing = [(r.criterion, r.scope) for r in gate.results if r.status == "fail"]
    assert len(failing) == MANY_CUSTOMERS * MANY_CRITERIA == 100
    # fork: the writers start at once without re-importing the package (they touch no DuckDB state).
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    barrier = ctx.Barrier(2)
    procs = [
        ctx.Process(target=_sign_many, args=(str(store.home), gate, failing[k::2], f"writer {k}", barrier))
        for k in range(2)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    lines = store.signoffs_path.read_bytes().splitlines()
    assert len(lines) == 100
    records = [json.loads(line) for line in lines]  # every line parses on its own
    assert len({r["id"] for r in records}) == 100
    assert sorted((r["criterion"], r["scope"]) for r in records) == sorted(failing)
    assert {r["by"] for r in records} == {"writer 0", "writer 1"}
    after = run_gate(store, "r1", "r2", sh, record=False, attribute=False)
    assert after.counts["waived"] == 100 and after.verdict == "pass"


def test_expected_statuses_are_shared_with_test_gate() -> None:
    # Guard: the refusals above rely on these statuses.
    assert EXPECTED[(KEY_LEVEL, "customer:freshco")] == "fail"
    assert EXPECTED[("total level", "all")] == "pass"
    assert EXPECTED[("categories keep their level", "category:Cafes")] == "no_data"  # warn: no_data stays


def test_field_problems_name_each_field_in_plain_words():
    import datetime as dt

    from dashboard.acceptance.signoff import field_problems

    today = dt.date(2026, 7, 1)
    problems = field_problems(" ", "", dt.date(2026, 6, 30), today)
    assert set(problems) == {"by", "reason", "expires"}
    assert "--" not in " ".join(problems.values())  # no command-line words
    assert field_problems("Dana", "known device loss", None, today) == {}
    assert field_problems("Dana", "known device loss", today, today) == {}
