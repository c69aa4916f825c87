"""The CLI through its entry point's main(): in this process, and for errors and usage
in a subprocess running the installed `jejak`."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from invoking import invoke as run
from invoking import spawn

LOG = """customer_id,anonymous_id,ts,event,properties
,a1,2026-01-01 08:00:00,page_view,
,a1,2026-01-02 08:00:00,content_view,
c1,a1,2026-01-03 08:00:00,newsletter_signup,
c2,,2026-01-01 08:00:00,page_view,
c2,,2026-01-01 09:00:00,newsletter_signup,
c3,,2026-01-20 08:00:00,page_view,
c3,,2026-01-21 08:00:00,order,"{""order_number"": 1}"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "events.csv").write_text(LOG, "utf-8")
    return tmp_path


def test_init_load_stages_stuck(project: Path):
    done = run("init", "--timezone", "Asia/Jakarta", "--workspace", "shop.duckdb", cwd=project)
    assert done.returncode == 0, done.stderr
    settings = (project / "jejak.yaml").read_text()
    assert "timezone: Asia/Jakarta" in settings and "journey: value-journey" in settings

    done = run("load", "events.csv", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "7 new touchpoints stored from events.csv" in done.stdout
    assert (project / "shop.duckdb").exists()

    done = run("load", "events.csv", cwd=project)
    assert "0 new touchpoints stored" in done.stdout and "7 already stored" in done.stdout

    done = run("stages", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "3 people" in done.stdout
    funnel, stuck = done.stdout.split("Stuck in a stage, as of ")
    lines = {line.split("│")[1].strip(): line for line in funnel.splitlines() if "│" in line}
    assert "100.0%" in lines["Awareness"] and "3" in lines["Awareness"]
    assert "66.7%" in lines["Subscribe"]  # 2 of 3 subscribed
    # below, the stages someone moved on from (in a day), with nobody stuck in them
    rows = [line.split("│")[1:-1] for line in stuck.splitlines() if "│" in line]
    assert [[cell.strip() for cell in row] for row in rows] == [
        ["Awareness", "0", "1.0\xa0day", "0", "0"],
        ["Engagement", "0", "1.0\xa0day", "0", "0"],
    ]
    assert "Stuck in the last 30 days" in stuck and "List them" not in stuck

    done = run("stages", "--stuck", "Subscribe", "--days", "10", "-o", "audience.csv", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "2 people stuck in Subscribe for more than 10 days" in done.stdout
    with open(project / "audience.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["person_id"] for r in rows] == ["c2", "c1"]  # longest in stage first
    assert [r["customer_id"] for r in rows] == ["c2", "c1"]
    # times in the workspace's zone with their offset, days to one decimal
    assert rows[0]["entered_at"] == "2026-01-01 09:00:00+07:00"
    assert rows[0]["days_in_stage"] == "20.0"  # to the log's last touchpoint, 01-21 08:00


def test_stages_json(project: Path):
    run("load", "events.csv", cwd=project)
    done = run("stages", "--json", cwd=project)
    assert done.returncode == 0, done.stderr
    import json

    data = json.loads(done.stdout)
    assert [row["reached"] for row in data["table"]][:4] == [3, 1, 2, 1]


def test_errors_are_one_line_with_exit_1(project: Path):
    (project / "bad.csv").write_text("customer_id,ts,event\nc1,31/02/2026,page_view\n", "utf-8")
    done = spawn("load", "bad.csv", cwd=project)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    message = done.stderr.strip()
    assert message.startswith("error: bad.csv row 1: 'ts' '31/02/2026' is not a time")
    assert "ISO 8601" in message and len(message.splitlines()) == 1

    done = spawn("--debug", "load", "bad.csv", cwd=project)
    assert done.returncode != 0 and "Traceback" in done.stderr

    # the installed script's one line is shown above; main() in this process says the rest
    done = run("stages", "--stuck", "Nowhere", cwd=project)
    assert done.returncode == 1 and "unknown stage 'Nowhere'" in done.stderr

    (project / "jejak.yaml").write_text("timezone: Mars/Olympus\n", "utf-8")
    done = run("stages", cwd=project)
    assert done.returncode == 1
    assert "jejak.yaml line 1: 'timezone'" in done.stderr


def test_init_refuses_to_overwrite(project: Path):
    assert run("init", cwd=project).returncode == 0
    done = run("init", cwd=project)
    assert done.returncode == 1 and "--force" in done.stderr
    assert run("init", "--force", "--journey", "four-stage", cwd=project).returncode == 0
    assert "journey: four-stage" in (project / "jejak.yaml").read_text()


@pytest.mark.parametrize("command", ["init", "load", "stages", "report", "demo"])
def test_every_command_help_has_an_example(command: str, tmp_path: Path):
    done = run(command, "--help", cwd=tmp_path)
    assert done.returncode == 0
    assert "Example" in done.stdout


def test_report_writes_self_contained_html(project: Path):
    run("load", "events.csv", cwd=project)
    done = run("report", "-o", "out.html", cwd=project)
    assert done.returncode == 0, done.stderr
    html = (project / "out.html").read_text()
    assert "Awareness" in html and "<script" in html


def test_skip_invalid_and_identities_from_the_cli(project: Path):
    (project / "mixed.csv").write_text(
        "anonymous_id,ts,event\n"
        "d1,2026-01-01 00:00:00,page_view\n"
        "d2,3000-01-01 00:00:00,page_view\n",
        "utf-8",
    )
    done = run("load", "mixed.csv", "--skip-invalid", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "1 new touchpoint stored from mixed.csv" in done.stdout
    assert "1 invalid row written to mixed.csv.rejected.csv" in done.stdout
    rejected = (project / "mixed.csv.rejected.csv").read_text().splitlines()
    assert rejected[0] == "_jejak_row,_jejak_field,_jejak_reason,anonymous_id,ts,event"
    assert rejected[1].startswith("2,ts,") and rejected[1].endswith(
        ",d2,3000-01-01 00:00:00,page_view"
    )

    (project / "ids.csv").write_text("anonymous_id,customer_id\nd1,c7\n", "utf-8")
    done = run("load", "--identities", "ids.csv", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "1 identity link stored from ids.csv" in done.stdout
    done = run("loads", cwd=project)
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if "│" in line]
    counts = [cell.strip() for cell in rows[0].split("│")[4:7]]
    assert "mixed.csv" in rows[0] and counts == ["2", "1", "1"]  # read, stored, rejected
    assert "ids.csv" in rows[1]
    done = run("loads", "--rejected", "--limit", "0", cwd=project)
    assert done.returncode == 2 and "--limit" in done.stderr
    done = run("loads", "--rejected", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "outside" in done.stdout and "ts" in done.stdout
    assert "3000-01-01" in done.stdout
    done = run("stages", "--stuck", "Awareness", "--days", "-1", "-o", "who.csv", cwd=project)
    assert done.returncode == 0, done.stderr
    with open(project / "who.csv", newline="") as f:
        assert [r["person_id"] for r in csv.DictReader(f)] == ["c7"]


def test_usage_errors_exit_2_without_traceback(project: Path):
    for args in (["load"], ["stages", "--bogus"], ["nonsense"]):
        done = spawn(*args, cwd=project)
        assert done.returncode == 2, args
        assert "Traceback" not in done.stderr and "Usage: jejak" in done.stderr


def test_read_commands_need_a_workspace_and_an_explicit_config_must_exist(project: Path):
    done = run("stages", cwd=project)
    assert done.returncode == 1
    assert "jejak.duckdb: no workspace yet; load touchpoints first" in done.stderr
    assert not (project / "jejak.duckdb").exists()  # nothing created by a read
    done = run("-c", "typo.yaml", "stages", cwd=project)
    assert done.returncode == 1 and "typo.yaml: no such settings file" in done.stderr
    done = run("init", "--timezone", "Mars/Base", cwd=project)
    assert done.returncode == 1 and "--timezone: 'Mars/Base' is not a time zone" in done.stderr
    assert not (project / "jejak.yaml").exists()


def test_workspace_is_found_beside_its_settings(project: Path):
    sub = project / "shop"
    sub.mkdir()
    (sub / "events.csv").write_text(LOG, "utf-8")
    assert (
        run("-c", "shop/jejak.yaml", "init", "--workspace", "w.duckdb", cwd=project).returncode == 0
    )
    assert run("-c", "shop/jejak.yaml", "load", "shop/events.csv", cwd=project).returncode == 0
    assert (sub / "w.duckdb").exists()
    done = run("stages", "--json", cwd=sub)  # from inside the folder: the same workspace
    assert done.returncode == 0, done.stderr


def test_funnel_from_the_cli(project: Path):
    run("load", "events.csv", cwd=project)
    done = run("funnel", "page_view", "newsletter_signup", "--window", "3d", cwd=project)
    assert done.returncode == 0, done.stderr
    rows = {line.split("│")[1].strip(): line for line in done.stdout.splitlines() if "│" in line}
    assert "│       3 │" in rows["1. page_view"]
    assert "66.7%" in rows["2. newsletter_signup"]  # c1 (via a1) and c2; c3 never signed up
    done = run("funnel", "stage:Awareness", "stage:Subscribe", "--dropped-at", "1", cwd=project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 person reached Awareness and stopped there")
    done = run("funnel", "page_view", "order", "--by", "channel", "-o", "f.json", cwd=project)
    import json

    data = json.loads((project / "f.json").read_text())
    assert [r["entered"] for r in data["table"]] == [3, 1]
    done = run("funnel", "page_view", "order", "--window", "soon", cwd=project)
    assert done.returncode == 1 and "window 'soon' is not a duration" in done.stderr


def test_process_map_from_the_cli(project: Path):
    run("load", "events.csv", cwd=project)
    done = run("map", "--top", "3", "-o", "map.csv", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "the 3 most frequent of" in done.stdout
    with open(project / "map.csv", newline="") as f:
        rows = {(r["source"], r["target"]): int(r["transitions"]) for r in csv.DictReader(f)}
    # a1 (now c1): page_view, content_view, newsletter_signup; c2: page_view, signup; c3 ...
    assert rows[("(start)", "page_view")] == 3
    assert rows[("page_view", "newsletter_signup")] == 1
    assert rows[("newsletter_signup", "(end)")] == 2


def test_paths_from_the_cli(project: Path):
    run("load", "events.csv", cwd=project)
    done = run("paths", "--after", "page_view", "--steps", "3", "-o", "p.csv", cwd=project)
    assert done.returncode == 0, done.stderr
    with open(project / "p.csv", newline="") as f:
        rows = {(r["step"], r["source"], r["target"]): int(r["people"]) for r in csv.DictReader(f)}
    assert rows[("1", "page_view", "newsletter_signup")] == 1  # c2
    assert rows[("1", "page_view", "content_view")] == 1  # c1 (anonymous a1)
    done = run("paths", "--to", "stage:Subscribe", "--steps", "2", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "Top paths to Subscribe" in done.stdout
    assert "page_view → content_view" in done.stdout
    done = run("paths", "--steps", "3", cwd=project)
    assert done.returncode == 1 and "either a start" in done.stderr


def test_journey_map_from_the_cli(project: Path):
    run("load", "events.csv", cwd=project)
    done = run("journey", "--top", "2", "-o", "map.html", cwd=project)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if "│ Awareness" in line)
    assert "page_view" in row and "│      3 │" in row
    assert "Journey map" in (project / "map.html").read_text()


def test_date_range_and_groups_from_the_cli(project: Path):
    run("load", "events.csv", cwd=project)
    done = run("--until", "2026-01-10", "stages", "--json", cwd=project)
    assert done.returncode == 0, done.stderr
    import json

    assert [r["reached"] for r in json.loads(done.stdout)["table"]][:3] == [2, 1, 2]  # no c3
    done = run("--only", "stage:Convert", "stages", "--json", cwd=project)
    assert [r["reached"] for r in json.loads(done.stdout)["table"]][:4] == [1, 0, 0, 1]  # c3
    done = run("--since", "2026-01-15", "report", "-o", "r.html", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "since 2026-01-15" in (project / "r.html").read_text()
    done = run("--since", "soon", "stages", cwd=project)
    assert done.returncode == 1 and "'soon' is not a date or time" in done.stderr


ATTRIBUTION_LOG = """customer_id,ts,event,channel,revenue
a,2026-01-01 08:00:00,page_view,search,
a,2026-01-02 08:00:00,email_click,email,
a,2026-01-03 08:00:00,order,,100
b,2026-01-01 08:00:00,page_view,ads,
b,2026-01-02 08:00:00,order,,50
c,2026-01-01 08:00:00,page_view,ads,
"""


def test_attribution_from_the_cli(tmp_path: Path):
    (tmp_path / "log.csv").write_text(ATTRIBUTION_LOG, "utf-8")
    assert run("load", "log.csv", cwd=tmp_path).returncode == 0
    done = run(
        "attribution", "order", "--model", "first_touch", "--model", "linear", "-o", "a.csv",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = {line.split("│")[1].strip(): line for line in done.stdout.splitlines() if "│" in line}
    # first touch: a's search, b's ads; linear: search and email half of a's order each
    assert lines["search"].split("│")[4:6] == ["         1.0 ", "    0.5 "]
    assert lines["email"].split("│")[4:6] == ["         0.0 ", "    0.5 "]
    with (tmp_path / "a.csv").open() as handle:
        rows = {r["channel"]: r for r in csv.DictReader(handle)}
    assert rows["ads"]["first_touch"] == "1.0" and rows["ads"]["journeys"] == "2"
    done = run("attribution", "order", "--model", "magic", cwd=tmp_path)
    assert done.returncode == 1 and "unknown attribution model 'magic'" in done.stderr


def test_touchpoints_from_the_cli(tmp_path: Path):
    (tmp_path / "log.csv").write_text(ATTRIBUTION_LOG, "utf-8")
    assert run("load", "log.csv", cwd=tmp_path).returncode == 0
    done = run("touchpoints", "order", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if "│ email_click" in line)
    assert [cell.strip() for cell in row.split("│")[2:7]] == ["1", "1", "1", "1.0", "50.0%"]
    done = run("touchpoints", "--effects", "--by", "channel", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert '"verdict": "too few people"' in done.stdout


def test_value_from_the_cli(tmp_path: Path):
    rows = ["customer_id,ts,event,revenue"]
    for number, days in enumerate([[1, 8, 30], [2], [3, 40, 41, 70], [5, 6], [10], [12, 90]]):
        rows += [f"v{number},{date(2026, 1, 1) + timedelta(days=d)},order,{10 + d}" for d in days]
    (tmp_path / "orders.csv").write_text("\n".join(rows) + "\n", "utf-8")
    assert run("load", "orders.csv", cwd=tmp_path).returncode == 0
    done = run("value", "--horizon", "4", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "BG/NBD over 6 buyers" in done.stdout
    assert "Expected value by stage" in done.stdout
    done = run("value", "--at-risk", "1.01", "-o", "all.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with (tmp_path / "all.csv").open() as handle:
        listed = list(csv.DictReader(handle))
    assert len(listed) == 6 and {"p_alive", "expected_revenue"} <= set(listed[0])


def test_retention_from_the_cli(tmp_path: Path):
    log = "customer_id,ts,event\na,2026-01-05,order\na,2026-02-10,order\nb,2026-01-20,order\n"
    (tmp_path / "log.csv").write_text(log, "utf-8")
    assert run("load", "log.csv", cwd=tmp_path).returncode == 0
    done = run("retention", "--active", "order", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if "│ 2026-01" in line)
    assert [cell.strip() for cell in row.split("│")[1:5]] == ["2026-01", "2", "100%", "50%"]
    assert row.split("│")[2] == " " * 6 + "2 "  # People is a number: right-aligned
    done = run("retention", "--lifecycle", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert '"dormant": -1' in done.stdout  # b bought in January only
    done = run("retention", "--active", "order", "--by", "customer_id", cwd=tmp_path)
    assert done.returncode == 1 and "cannot split retention by 'customer_id'" in done.stderr
    done = run("retention", "--cohort", "order", "--by", "event", cwd=tmp_path)
    assert done.returncode == 0 and "Monthly retention by event" in done.stdout
    # a: January, February; b: January: unbounded, a counts in January's month 1 too
    done = run("retention", "--on-or-after", "--curve", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    curve = json.loads(done.stdout)
    assert curve["meta"]["returned"] == "on_or_after"
    assert [(r["period"], r["people"], r["active"]) for r in curve["table"]] == [
        (0, 2, 2),
        (1, 2, 1),
    ]
    done = run("retention", "--on-or-after", "--curve", cwd=tmp_path)
    shown = [line for line in done.stdout.splitlines() if line.startswith("│")]
    # one cohort (January) of two people, one came back
    assert [cell.strip() for cell in shown[0].split("│")[1:6]] == ["1", "1", "2", "1", "50.0%"]
    assert len(shown) == 1  # month 0 is the cohorts' own: not shown, as in the chart
    done = run("retention", "--trend", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Active 1 month after joining, cohort by cohort" in done.stdout
    row = next(line for line in done.stdout.splitlines() if "│ 2026-01" in line)
    assert [cell.strip() for cell in row.split("│")[1:5]] == ["2026-01", "2 (few)", "1", "50.0%"]
    done = run("stickiness", "--period", "month", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    days = json.loads(done.stdout)["days"]
    assert days == []  # the data covers no month whole (5 January to 10 February)


def test_rfm_from_the_cli(tmp_path: Path):
    rows = ["customer_id,ts,event,revenue"]
    for i in range(10):
        rows += [
            f"b{i},{date(2026, 3, 31) - timedelta(days=i + 3 * k)},order,10" for k in range(i + 1)
        ]
    (tmp_path / "orders.csv").write_text("\n".join(rows) + "\n", "utf-8")
    assert run("load", "orders.csv", cwd=tmp_path).returncode == 0
    done = run("rfm", "--segment", "At risk", "-o", "risk.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "│ At risk " in done.stdout and "100.0%" in done.stdout
    with (tmp_path / "risk.csv").open() as handle:
        assert sorted(r["person_id"] for r in csv.DictReader(handle)) == ["b6", "b7"]
    done = run("rfm", "--segment", "Nobody", cwd=tmp_path)
    assert done.returncode == 1 and "no RFM segment is called 'Nobody'" in done.stderr
    done = run("rfm", "--segment", "Champions", "-o", "champions.csv", cwd=tmp_path)
    assert done.returncode == 0 and "0 people in Champions" in done.stdout  # an empty audience
    assert (tmp_path / "champions.csv").read_text().startswith("person_id,")


def test_nps_from_the_cli(tmp_path: Path):
    log = (
        "customer_id,ts,event,properties\n"
        'a,2026-01-05,nps_response,"{""score"": 10}"\n'
        'b,2026-01-06,nps_response,"{""score"": 3}"\n'
        'c,2026-01-07,nps_response,"{""score"": 9}"\n'
    )
    (tmp_path / "log.csv").write_text(log, "utf-8")
    assert run("load", "log.csv", cwd=tmp_path).returncode == 0
    done = run("nps", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if "│ all" in line)
    assert [cell.strip() for cell in row.split("│")[2:7]] == ["3", "2", "0", "1", "+33"]


def test_referrals_from_the_cli(tmp_path: Path):
    log = (
        "customer_id,ts,event,revenue,properties\n"
        "a,2026-01-01,order,10,\n"
        "a,2026-01-02,referral_invite,,\n"
        'b,2026-01-03,page_view,,"{""referrer_id"": ""a""}"\n'
        "b,2026-01-04,order,20,\n"
    )
    (tmp_path / "log.csv").write_text(log, "utf-8")
    assert run("load", "log.csv", cwd=tmp_path).returncode == 0
    done = run("referrals", "-o", "promoters.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    expected = "K-factor 0.50: 0.50 invites per customer x 1.00 referred customers per invite"
    assert expected in done.stdout
    with (tmp_path / "promoters.csv").open() as handle:
        assert [r["person_id"] for r in csv.DictReader(handle)] == ["a"]


def test_engagement_from_the_cli(tmp_path: Path):
    log = (
        "customer_id,ts,event\n"
        "a,2026-01-01,content_view\na,2026-01-02,order\n"
        "b,2026-01-01,product_view\nb,2026-01-02,order\nb,2026-01-03,order\n"
    )
    (tmp_path / "log.csv").write_text(log, "utf-8")
    assert run("load", "log.csv", cwd=tmp_path).returncode == 0
    done = run("engagement", "-o", "groups.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if "│ follows content" in line)
    assert [cell.strip() for cell in row.split("│")[2:5]] == ["1", "50.0%", "100.0%"]
    with (tmp_path / "groups.csv").open() as handle:
        assert {r["person_id"]: r["group"] for r in csv.DictReader(handle)} == {
            "a": "follows content",
            "b": "transactional only",
        }


def test_segments_from_the_cli(project: Path):
    assert run("load", "events.csv", cwd=project).returncode == 0
    done = run("segments", cwd=project)
    assert done.returncode == 0 and "No segments yet" in done.stdout
    done = run("segments", "save", "signed up", "--had", "stage:Subscribe", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "Saved segment 'signed up': had Subscribe (2 people)" in done.stdout
    done = run("segments", "save", "buyers", "--had", "order", "--description", "paid", cwd=project)
    assert "(1 person)" in done.stdout
    row = next(
        line for line in run("segments", cwd=project).stdout.splitlines() if "buyers" in line
    )
    assert [cell.strip() for cell in row.split("│")[1:6]] == [
        "buyers", "1", "had order", "paid", "workspace"
    ]  # fmt: skip

    # a filter on any analysis, and a breakdown
    done = run("--segment", "signed up", "stages", "--json", cwd=project)
    assert '"people": 2' in done.stdout
    done = run("stages", "--by", "segment", "-o", "split.csv", cwd=project)
    assert done.returncode == 0, done.stderr
    with (project / "split.csv").open() as handle:
        rows = [r for r in csv.DictReader(handle) if r["stage"] == "Awareness"]
    assert {r["segment"]: r["reached"] for r in rows} == {"signed up": "2", "buyers": "1"}

    done = run("segments", "export", "signed up", "-o", "audience.csv", cwd=project)
    assert done.returncode == 0 and "Wrote 2 rows" in done.stdout
    with (project / "audience.csv").open() as handle:
        assert [(r["person_id"], r["stage"]) for r in csv.DictReader(handle)] == [
            ("c1", "Subscribe"),
            ("c2", "Subscribe"),
        ]

    done = run("segments", "save", "bad", "--stage", "Nope", cwd=project)
    assert done.returncode == 1 and "'Nope' is not a stage" in done.stderr
    done = run("segments", "save", "buyers", "--had", "page_view", cwd=project)
    assert done.returncode == 1 and "already saved; replace it (--replace)" in done.stderr
    assert run("segments", "drop", "buyers", cwd=project).returncode == 0
    done = run("--segment", "buyers", "stages", cwd=project)
    assert done.returncode == 1 and "no segment named 'buyers'" in done.stderr


def test_clusters_from_the_cli(tmp_path: Path):
    rows = ["customer_id,ts,event,channel"]
    for i in range(5):
        rows += [f"r{i},2026-01-01,page_view,social", f"r{i},2026-01-02,content_view,social"]
        rows += [f"b{i},2026-01-01,page_view,search", f"b{i},2026-01-02,order,search"]
        rows += [f"a{i},2026-01-01,page_view,ads"]
    (tmp_path / "log.csv").write_text("\n".join(rows) + "\n", "utf-8")
    assert run("load", "log.csv", cwd=tmp_path).returncode == 0
    done = run("clusters", "--k", "3", "-o", "clusters.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "mostly ads, stalls at Awareness" in done.stdout
    with (tmp_path / "clusters.csv").open() as handle:
        clusters = {r["person_id"]: r["cluster"] for r in csv.DictReader(handle)}
    assert len(set(clusters.values())) == 3
    assert len({clusters[f"r{i}"] for i in range(5)}) == 1


def test_campaigns_from_the_cli(tmp_path: Path):
    rows = ["customer_id,ts,event,campaign"]
    for i in range(4):
        rows += [f"x{i},2026-01-01,page_view,", f"x{i},2026-01-02,content_view,"]
        rows.append(f"x{i},2026-02-01,email_sent,c1")
    rows += ["x0,2026-02-03,newsletter_signup,", "x1,2026-02-04,newsletter_signup,"]
    for i in range(4):
        rows += [f"y{i},2026-01-01,page_view,", f"y{i},2026-01-02,content_view,"]
        rows.append(f"y{i},2026-02-01,campaign_holdout,c1")
    rows += ["y0,2026-02-05,newsletter_signup,", "y0,2026-03-30,page_view,"]
    (tmp_path / "log.csv").write_text("\n".join(rows) + "\n", "utf-8")
    (tmp_path / "jejak.yaml").write_text(
        "campaigns:\n  c1:\n    call_to_action: email_click\n"
        "    traffic_source: {campaign: c1}\n    exposure: {event: email_sent, campaign: c1}\n"
        "    holdout: {event: campaign_holdout, campaign: c1}\n"
        "    target: {from: Engagement, to: Subscribe}\n",
        "utf-8",
    )
    assert run("load", "log.csv", cwd=tmp_path).returncode == 0
    done = run("campaigns", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if "│ c1" in line)
    cells = [cell.strip() for cell in row.split("│")[1:-1]]
    assert cells[:7] == [
        "Engagement → Subscribe",
        "c1",
        "4",
        "100.0%",
        "50.0%",
        "25.0%",
        "+25.0\u00a0pts",
    ]
    assert cells[-1] == "too few people to tell"
    done = run("campaigns", "c1", "--json", cwd=tmp_path)
    assert '"lift": 0.25' in done.stdout and '"observational": false' in done.stdout
    done = run("campaigns", "nope", cwd=tmp_path)
    assert done.returncode == 1 and "no campaign named 'nope'" in done.stderr


def test_contact_from_the_cli(tmp_path: Path):
    rows = ["customer_id,ts,event,channel,campaign"]
    for i in range(3):
        rows += [f"p{i},2026-01-05 08:00:00,email_sent,email,tips"]
        rows += [f"p{i},2026-01-06 08:00:00,email_sent,email,sale"]
    rows += ["p0,2026-01-05 09:00:00,email_open,email,tips"]
    rows += ["p0,2026-01-05 09:01:00,email_click,email,tips"]
    (tmp_path / "log.csv").write_text("\n".join(rows) + "\n", "utf-8")
    assert run("load", "log.csv", cwd=tmp_path).returncode == 0
    done = run("contact", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if "│ tips" in line)
    assert [c.strip() for c in row.split("│")[1:6]] == ["tips", "email", "3", "33.3%", "33.3%"]
    done = run("contact", "--frequency", cwd=tmp_path)
    assert done.returncode == 0 and "│ 2 " in done.stdout
    done = run("contact", "--send-time", "-o", "hours.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with (tmp_path / "hours.csv").open() as handle:
        hours = {r["person_id"]: r["best_hour"] for r in csv.DictReader(handle)}
    assert hours == {"p0": "8", "p1": "8", "p2": "8"}


def test_experience_from_the_cli(tmp_path: Path):
    log = (
        "customer_id,ts,event,properties\n"
        'a,2026-01-01,order,"{""order_number"": 1}"\n'
        'a,2026-01-02,review,"{""rating"": 1}"\n'
        'b,2026-01-01,order,"{""order_number"": 1}"\n'
        'b,2026-01-02,review,"{""rating"": 3}"\n'
        "b,2026-06-01,page_view,\n"
    )
    (tmp_path / "log.csv").write_text(log, "utf-8")
    assert run("load", "log.csv", cwd=tmp_path).returncode == 0
    done = run("experience", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if "│ review" in line)
    assert [c.strip() for c in row.split("│")[1:8]] == [
        "Convert", "review", "2", "0", "1", "1", "50.0%"
    ]  # fmt: skip
    assert "100.0% of buyers with a bad experience, 0.0% without" in done.stdout


def test_reviews_from_the_cli(tmp_path: Path):
    log = 'customer_id,ts,event,properties\na,2026-01-05,review,"{""rating"": 5}"\n'
    log += 'b,2026-01-06,review,"{""rating"": 3}"\n'
    (tmp_path / "log.csv").write_text(log, "utf-8")
    assert run("load", "log.csv", cwd=tmp_path).returncode == 0
    done = run("reviews", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if "│ all" in line)
    assert [c.strip() for c in row.split("│")[1:5]] == ["all", "2", "4.00", "1.00 to 5.00"]


def test_keys_from_the_cli(project: Path):
    assert run("load", "events.csv", cwd=project).returncode == 0
    done = run("keys", "read", cwd=project)
    assert done.returncode == 0 and "New read key " in done.stdout
    key = done.stdout.rsplit(": ", 1)[1].strip()
    assert key.startswith("jr_")
    import duckdb

    from jejak.server.keys import key_hashes, matches

    with duckdb.connect(str(project / "jejak.duckdb")) as con:
        hashes = key_hashes(con)
    assert matches(key, hashes["read"]) and not matches(key, hashes["write"])
    done = run("keys", "admin", cwd=project)
    admin = done.stdout.rsplit(": ", 1)[1].strip()
    assert done.returncode == 0 and admin.startswith("ja_")
    with duckdb.connect(str(project / "jejak.duckdb")) as con:
        assert matches(admin, key_hashes(con)["admin"])


def test_keys_are_made_listed_and_revoked_from_the_cli(project: Path):
    done = run("keys", cwd=project)
    assert done.returncode == 1 and "no workspace yet" in done.stderr
    assert not (project / "jejak.duckdb").exists()  # listing creates nothing
    done = run("keys", "write", "--label", "website", cwd=project)
    assert done.returncode == 0, done.stderr
    made = done.stdout.split()[-1]
    key_id = done.stdout.split()[3]
    assert made.startswith("jw_") and len(key_id) == 8
    done = run("keys", cwd=project)
    row = next(line for line in done.stdout.splitlines() if key_id in line)
    assert "write" in row and "website" in row and made not in done.stdout
    done = run("keys", "revoke", "nonsense", cwd=project)
    assert done.returncode == 1 and "jejak keys shows the ids" in done.stderr
    done = run("keys", "revoke", key_id, cwd=project)
    assert done.returncode == 0, done.stderr
    assert f"Revoked the write key {key_id}" in done.stdout
    assert "No write key is left" in done.stdout
    assert key_id not in run("keys", cwd=project).stdout


def test_forget_erases_a_person_and_says_when_nothing_is_stored(project: Path):
    assert run("load", "events.csv", cwd=project).returncode == 0
    done = run("forget", "a1", "nobody", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "a1: erased" in done.stdout and "nobody: nothing stored for this id" in done.stdout
    # a1 signed in as c1: the whole person goes (their 3 touchpoints)
    assert "People removed: 1. Rows: touchpoints 3," in done.stdout
    stages = run("stages", cwd=project)
    assert "2 people" in stages.stdout


def test_prune_needs_keep_days(project: Path):
    assert run("load", "events.csv", cwd=project).returncode == 0
    done = run("prune", cwd=project)
    assert done.returncode == 1 and "add 'keep_days: 365'" in done.stderr
    (project / "jejak.yaml").write_text("keep_days: 36500\n", "utf-8")
    done = run("prune", cwd=project)
    assert done.returncode == 0, done.stderr
    assert (
        "Kept the last 36,500\u00a0days" in done.stdout
        and "People removed: 0. Rows: none." in done.stdout
    )


# A command run in a fresh process, saying on stderr, as the process ends, how many
# objects were set aside from the garbage collector.
FREEZING = """
import atexit, gc, sys
atexit.register(lambda: print("frozen", gc.get_freeze_count(), file=sys.stderr))
sys.argv = ["jejak", *sys.argv[1:]]
from jejak.cli import main
main()
"""


def _frozen(*args: str, cwd: Path) -> int:
    done = subprocess.run([sys.executable, "-c", FREEZING, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return int(done.stderr.split("frozen ")[-1].split()[0])


def test_an_analysis_command_sets_what_it_imported_aside_from_the_garbage_collector(project):
    """Full collections looked through every object the libraries made, again and again,
    in a command's analyses: those loaded before its workspace opens are frozen; a load
    (which opens only the storage) leaves the collector as it is."""
    assert _frozen("load", "events.csv", cwd=project) == 0
    assert _frozen("stages", cwd=project) > 50_000  # pandas, SciPy, Ibis and the rest
