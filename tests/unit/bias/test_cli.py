"""`lockgate bias`: files in, analysis.json + report.html out, exit status by verdict."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from lockgate.bias.check import bias_check
from lockgate.bias.clarify_config import parse_analysis_config
from lockgate.bias.specs import BiasConfig, FacetSpec, LabelSpec
from lockgate.bias.tables import load_inputs
from lockgate.cli import main as lockgate_main


def main(argv: list[str]) -> int:
    """`lockgate bias ARGV`."""
    return lockgate_main(["bias", *argv])


def write_inputs(tmp_path: Path, biased: bool, parquet: bool = False) -> list[str]:
    n = 2000
    sex = ["female", "male"] * (n // 2)
    y = [1 if (i // 2) % 3 else 0 for i in range(n)]
    pred = [label if s == "male" or not biased else 0 for label, s in zip(y, sex, strict=True)]
    data = pa.table({"age": [18 + i % 100 for i in range(n)], "sex": sex, "y": y})
    path = tmp_path / ("data.parquet" if parquet else "data.csv")
    if parquet:
        pq.write_table(data, path)
    else:
        pacsv.write_csv(data, path)
    pacsv.write_csv(pa.table({"score": [0.9 if p else 0.1 for p in pred]}), tmp_path / "pred.csv")
    config = {
        "dataset_type": "application/x-parquet" if parquet else "text/csv",
        "label": "y",
        "label_values_or_threshold": [1],
        "facet": [
            {"name_or_index": "sex", "value_or_threshold": ["female"]},
            {"name_or_index": "age", "value_or_threshold": [40]},
        ],
        "methods": {
            "pre_training_bias": {"methods": "all"},
            "post_training_bias": {"methods": "all"},
            "shap": {},
            "report": {"name": "report", "title": "Test report"},
        },
    }
    (tmp_path / "config.json").write_text(json.dumps(config))
    return [
        "--config",
        str(tmp_path / "config.json"),
        "--data",
        str(path),
        "--predictions",
        str(tmp_path / "pred.csv"),
        "--out",
        str(tmp_path / "out"),
    ]


def test_a_fair_model_passes_and_writes_clarify_shaped_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(write_inputs(tmp_path, biased=False)) == 0
    out = capsys.readouterr()
    assert "verdict: pass" in out.out
    assert out.err.count("warning:") == 1 and "methods.shap" in out.err
    analysis = json.loads((tmp_path / "out" / "analysis.json").read_text())
    pre = analysis["pre_training_bias_metrics"]
    assert pre["label"] == "y" and pre["label_value_or_threshold"] == "1"
    assert [f["value_or_threshold"] for f in pre["facets"]["sex"]] == ["female"]
    assert pre["facets"]["age"][0]["value_or_threshold"] == "(40, 117]"
    names = [m["name"] for m in analysis["post_training_bias_metrics"]["facets"]["sex"][0]["metrics"]]
    assert names[:3] == ["DPPL", "DI", "DCA"] and "GE" in names
    cddl = pre["facets"]["sex"][0]["metrics"][-1]
    assert cddl["name"] == "CDDL" and cddl["value"] is None and "group_variable" in cddl["error"]
    html = (tmp_path / "out" / "report.html").read_text()
    assert "<svg" in html and "PASS" in html and "<script" not in html and "Test report" in html


def test_a_biased_model_fails_with_exit_1_and_the_report_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(write_inputs(tmp_path, biased=True, parquet=True)) == 1
    assert "verdict: fail" in capsys.readouterr().out
    gate = json.loads((tmp_path / "out" / "gate.json").read_text())
    assert gate["verdict"] == "fail" and any("DI" in r for r in gate["reasons"])
    assert ">FAIL<" in (tmp_path / "out" / "report.html").read_text()


def test_bad_config_exits_4_naming_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = write_inputs(tmp_path, biased=False)
    (tmp_path / "config.json").write_text(json.dumps({"dataset_type": "text/csv", "lable": "y"}))
    assert main(argv) == 4
    assert "'lable'" in capsys.readouterr().err


def test_prediction_count_mismatch_exits_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = write_inputs(tmp_path, biased=False)
    pacsv.write_csv(pa.table({"score": [0.5]}), tmp_path / "pred.csv")
    assert main(argv) == 4
    assert "InputRejected" in capsys.readouterr().err


def test_thresholds_file_can_make_an_undefined_metric_fail_closed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = write_inputs(tmp_path, biased=False)
    (tmp_path / "t.json").write_text(json.dumps({"metrics": {"CDDL": {"min": -0.1, "max": 0.1}}}))
    assert main([*argv, "--thresholds", str(tmp_path / "t.json")]) == 1
    (tmp_path / "t.json").write_text(json.dumps({"metrics": {"CDDL": {"max": 0.1}}, "optional": ["CDDL"]}))
    assert main([*argv, "--thresholds", str(tmp_path / "t.json")]) == 3
    assert "needs-human" in capsys.readouterr().out


def test_report_svgs_are_well_formed_xml(tmp_path: Path) -> None:
    main(write_inputs(tmp_path, biased=True))
    html = (tmp_path / "out" / "report.html").read_text()
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) == 4  # 2 facets x 2 stages
    for svg in svgs:
        ElementTree.fromstring(svg)


def test_headerless_csv_takes_column_names_from_the_config_headers(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("f,1\nm,0\nf,0\nm,1\nf,1\nm,1\n")
    config = {
        "dataset_type": "text/csv",
        "headers": ["sex", "y"],
        "label": "y",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": 0, "value_or_threshold": ["f"]}],
        "methods": {"pre_training_bias": {"methods": ["CI", "DPL"]}},
    }
    (tmp_path / "config.json").write_text(json.dumps(config))
    argv = [
        "--config",
        str(tmp_path / "config.json"),
        "--data",
        str(tmp_path / "data.csv"),
        "--out",
        str(tmp_path / "o"),
    ]
    assert main(argv) == 3  # three rows a side: fewer than min_group_rows, a person decides
    analysis = json.loads((tmp_path / "o" / "analysis.json").read_text())
    metrics = analysis["pre_training_bias_metrics"]["facets"]["sex"][0]["metrics"]
    assert [m["value"] for m in metrics] == [0.0, pytest.approx(2 / 3 - 2 / 3)]


def test_inputs_load_from_bytes_as_a_lambda_function_would(tmp_path: Path) -> None:
    write_inputs(tmp_path, biased=False, parquet=True)
    config = parse_analysis_config(json.loads((tmp_path / "config.json").read_text()))
    table, resolved = load_inputs(
        config, (tmp_path / "data.parquet").read_bytes(), (tmp_path / "pred.csv").read_bytes()
    )
    assert table.column_names == ["y", "sex", "age", "score"]  # only what the analysis needs
    assert resolved.predicted_label == "score"
    assert bias_check(table, resolved).gate.verdict == "pass"


def test_the_file_content_decides_between_parquet_and_csv(tmp_path: Path) -> None:
    argv = write_inputs(tmp_path, biased=False, parquet=True)
    config = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**config, "dataset_type": "text/csv"}))
    assert main(argv) == 0


def test_bias_check_takes_an_exact_bias_config_for_a_threshold_on_a_low_cardinality_integer() -> None:
    # ages 20..24 over 300 rows: smclarify's rule (and resolve) would read [22] as "age == 22"
    table = pa.table({"age": [20 + i % 5 for i in range(300)], "y": [i % 2 for i in range(300)]})
    config = BiasConfig(
        LabelSpec("y", values=(1,)),
        (FacetSpec("age", "threshold", threshold=22),),
        pre_training_methods=("CI",),
    )
    check = bias_check(table, config, title="Exact")
    assert check.analysis.pre_training[0].value_or_threshold == "(22, 24]"
    assert check.analysis.pre_training[0].metrics[0].value == pytest.approx((180 - 120) / 300)
    assert "<title>Exact</title>" in check.report_html


def test_the_table_prints_an_interval_column_and_confidence_is_a_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = write_inputs(tmp_path, biased=False)
    assert main([*argv, "--confidence", "0.9"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[5:7] == ["value", "interval"]
    assert re.search(r"DPL +0 +\[-0\.0\d+, 0\.0\d+\] 0\.9 newcombe-wilson", out)
    gate = json.loads((tmp_path / "out" / "gate.json").read_text())
    assert gate["checks"][0]["confidence_interval"]["level"] == 0.9 and gate["checks"][0]["n_d"] == 1000


@pytest.mark.parametrize("level", ["0", "1", "1.5", "-0.2"])
def test_a_confidence_level_outside_zero_one_exits_4_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], level: str
) -> None:
    assert main([*write_inputs(tmp_path, biased=False), "--confidence", level]) == 4
    err = capsys.readouterr().err
    assert "ContractInvalid" in err and "confidence" in err and len(err.strip().splitlines()) == 1
