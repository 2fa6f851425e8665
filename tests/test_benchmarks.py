"""The benchmark scripts still run end to end and report a number in every cell."""

from __future__ import annotations

import importlib.util
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"

# the quick run takes 2-5 minutes on 2 idle cores, far longer on a loaded machine
# (those tests are marked slow; the report's own logic is tested fast below)


def _load_accuracy():
    spec = importlib.util.spec_from_file_location("accuracy", BENCH / "accuracy.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("accuracy", mod)
    spec.loader.exec_module(mod)
    return mod


def _table(text: str, first_header: str) -> list[list[str]]:
    """The rows (cells) of the markdown table whose header starts with a string."""
    lines = text.splitlines()
    start = next(
        i for i, line in enumerate(lines) if line.startswith(f"| {first_header} |")
    )
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    header = [c.strip() for c in lines[start].strip().strip("|").split("|")]
    return [header, *rows]


CELL = re.compile(r"^(-?\d+\.\d+) ± (\d+\.\d+) \((\d+\.\d+) s\)$")


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "RESULTS-test.md"
    res = subprocess.run(
        [sys.executable, str(BENCH / "run_all.py"), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=1700,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    return out


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_quick_report_has_a_number_for_every_dataset_and_model(quick_report):
    acc = _load_accuracy()
    text = quick_report.read_text()
    table = _table(text, "model")
    header, rows = table[0], table[1:]
    datasets = [re.sub(r" \((AUC|RMSE)\)$", "", h) for h in header[1:]]
    have_data = True
    try:
        from namwidgets.datasets import find_data_file

        for f in ("california_housing.csv", "compas.csv", "adult.csv"):
            find_data_file(f)
    except FileNotFoundError:
        have_data = False
    expected = list(acc.DATASETS) if have_data else datasets
    assert datasets == expected
    assert [r[0] for r in rows] == [m.name for m in acc.MODELS]
    for model, row in zip(acc.MODELS, rows):
        for dataset, cell in zip(datasets, row[1:]):
            if not acc.available(model):
                assert cell.startswith("skipped:"), (model.name, cell)
                continue
            m = CELL.match(cell)
            assert m, f"{model.name} / {dataset}: {cell!r} is not 'mean ± std (s)'"
            mean, std, fit_s = map(float, m.groups())
            assert math.isfinite(mean) and std >= 0 and fit_s >= 0
            if dataset in ("COMPAS", "Adult", "breast cancer"):
                # an AUC; on these datasets any model that learned anything is > 0.6
                assert 0.6 < mean <= 1.0, (model.name, dataset, mean)
            else:
                assert mean > 0, (model.name, dataset, mean)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_quick_report_has_the_other_sections(quick_report):
    text = quick_report.read_text()
    for section in (
        "## Accuracy",
        "### Beside the NAM paper",
        "## Training speed",
        "## Edit latency",
        "- Versions:",
        "- Machine:",
    ):
        assert section in text, section
    # the paper's figures are printed beside ours, labelled
    paper = _table(text, "dataset")
    assert paper[0][-1] == "paper, Table 1, as quoted"
    assert ["California Housing", "NAM"] == paper[1][:2]
    assert paper[1][-1] == "0.562 ± 0.007"
    # the two subprocess benchmarks printed their own markdown tables, not errors
    speed = text.split("## Training speed")[1].split("## Edit latency")[0]
    latency = text.split("## Edit latency")[1].split("## Notes")[0]
    for part in (speed, latency):
        assert "failed (exit" not in part and "did not finish" not in part, part
        assert re.search(r"^\|.*\|$", part, re.M), part


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_quick_report_charts_are_written(quick_report):
    figures = quick_report.parent / f"{quick_report.stem}-figures"
    png = figures / "accuracy.png"
    svg = figures / "accuracy.svg"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in svg.read_text()[:500]
    assert (figures / "fit_time.png").stat().st_size > 1000
    folds = (figures / "accuracy_folds.csv").read_text().splitlines()
    assert folds[0].startswith("dataset,model,fold,metric,score")
    assert len(folds) > 1


def test_summary_and_target_check_on_known_records():
    acc = _load_accuracy()
    recs = []
    for fold, (nam, ebm, lin) in enumerate([(0.80, 0.81, 0.70), (0.82, 0.83, 0.72)]):
        for model, s in (("NAM x", nam), ("EBM", ebm), ("linear / logistic", lin)):
            recs.append(
                {
                    "dataset": "d",
                    "model": model,
                    "fold": fold,
                    "metric": "AUC",
                    "score": s,
                    "fit_s": 1.0,
                }
            )
    summary = acc.summarize(recs)
    row = summary[summary.model == "NAM x"].iloc[0]
    assert row["mean"] == pytest.approx(0.81)
    assert row["std"] == pytest.approx(math.sqrt(2 * 0.01**2))
    table, missed = acc.target_table(summary)
    # gap 0.01 <= EBM std 0.0141: within one std, and ahead of linear
    assert "| d | NAM x | yes (-0.0100, 0.0141) | – | yes | – |" in table
    assert missed == []
    # read as RMSE (lower is better) the NAM is ahead of EBM but behind linear
    for r in recs:
        r["metric"] = "RMSE"
    table, missed = acc.target_table(acc.summarize(recs))
    assert "| d | NAM x | yes (+0.0100, 0.0141) | – | NO | – |" in table
    assert missed == ["d: NAM x is not ahead of linear / logistic"]


def _load_run_all():
    _load_accuracy()
    spec = importlib.util.spec_from_file_location("run_all", BENCH / "run_all.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


OLD_FILE = """\
# Benchmark results

Written by an earlier run.

## Accuracy

| model | d (AUC) |
|---|---:|
| NAM ReLU (defaults) | 0.574 ± 0.007 (1.0 s) |

### Targets

old targets

## Pair terms, added 2026-12-01

Written by hand: 0.490.

```
## a line in a code block, not a heading
```

### A subsection of it

| kept | 1 |

## Training speed (`train_speed.py`)

the old speed table

## Notes

old notes
"""


def test_merge_report_replaces_what_the_run_wrote_and_keeps_the_rest():
    run_all = _load_run_all()
    new = (
        "# Benchmark results\n\nWritten now.\n\n- Versions: x\n\n"
        "## Accuracy\n\n| model | d (AUC) |\n|---|---:|\n| NAM | 0.494 |\n\n"
        "## Notes\n\nnew notes"
    )
    merged = run_all.merge_report(new, OLD_FILE)
    pre, secs = run_all.sections(merged)
    assert [h for h, _ in secs] == [
        "## Accuracy",
        "## Pair terms, added 2026-12-01",
        "## Training speed (`train_speed.py`)",
        "## Notes",
    ]
    body = dict(secs)
    assert "0.494" in body["## Accuracy"] and "0.574" not in merged
    assert "old targets" not in merged  # a ### subsection goes with its section
    _, old_secs = run_all.sections(OLD_FILE)
    for h in (
        "## Pair terms, added 2026-12-01",
        "## Training speed (`train_speed.py`)",
    ):
        assert body[h].rstrip("\n") == dict(old_secs)[h].rstrip("\n")
    assert body["## Notes"].strip() == "## Notes\n\nnew notes"
    assert "Written now." in pre and "Written by an earlier run." not in merged
    assert "(not written by this run): 'Pair terms, added 2026-12-01'; " in pre
    # no file yet: the report as it is
    assert run_all.merge_report(new, None) == new + "\n"


def test_report_only_keeps_the_dated_sections_and_marks_older_rows(tmp_path):
    """``run_all.py --report-only --skip-speed`` on a file with dated sections."""
    run_all = _load_run_all()
    acc = _load_accuracy()
    recs = [
        {
            "dataset": "COMPAS",
            "model": model,
            "fold": fold,
            "metric": "AUC",
            "score": score + fold / 100,
            "fit_s": 1.0,
            "search_s": 0.0,
        }
        for model, score in (
            ("NAM ReLU (defaults)", 0.74),
            ("NAM ExU", 0.72),
            ("EBM", 0.73),
        )
        for fold in range(2)
    ]
    folds = tmp_path / "folds.csv"
    acc.write_records(folds, recs)
    out = tmp_path / "RESULTS.md"
    out.write_text(OLD_FILE)
    run_all.main(
        ["--report-only", "--skip-speed", "--out", str(out), "--folds-csv", str(folds)]
        + ["--figures", str(tmp_path / "figures")]
    )
    text = out.read_text()
    _, secs = run_all.sections(text)
    body = dict(secs)
    assert [h for h, _ in secs][:3] == [
        "## Accuracy",
        "## Pair terms, added 2026-12-01",
        "## Training speed (`train_speed.py`)",
    ]
    assert "Written by hand: 0.490." in body["## Pair terms, added 2026-12-01"]
    assert "## a line in a code block" in body["## Pair terms, added 2026-12-01"]
    assert "the old speed table" in body["## Training speed (`train_speed.py`)"]
    table = _table(body["## Accuracy"], "model")
    assert [r[0] for r in table[1:]] == ["NAM ReLU (defaults)", "NAM ExU †", "EBM"]
    assert table[1][1].startswith("0.7450 ± 0.0071")
    date = run_all.OLDER_CODE_ROWS["NAM ExU"]
    assert f"† `NAM ExU`: {date}, measured on the code of that date" in text
    assert "| COMPAS | NAM ExU † |" in text  # the targets table marks it too
    # the records themselves are written back unchanged
    assert acc.read_records(folds) == recs
    # and so do the charts
    spec = (tmp_path / "figures" / "accuracy.svg").read_text()
    assert "NAM ExU †" in spec and "NAM ReLU (defaults) †" not in spec
