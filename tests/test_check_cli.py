"""`mlmon check CONFIG DATA`: exit 0 / 1 / 2, text and JSON output, one-line refusals."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from mlmon_widgets import cli

from .test_evaluate import START, config, production


@pytest.fixture
def files(tmp_path):
    """A config (YAML and JSON) and batches: i.i.d., shifted, with a warning-only problem."""
    cfg = config()
    cfg.to_yaml(tmp_path / "config.yaml")
    cfg.to_json(tmp_path / "config.json")
    production().to_parquet(tmp_path / "iid.parquet")
    production().to_csv(tmp_path / "iid.csv", index=False)
    production(shift_from=3).to_csv(tmp_path / "shifted.csv", index=False)
    production(shift_from=3).to_parquet(tmp_path / "shifted.parquet")
    patchy = production()
    patchy.loc[patchy.index[::5], "age"] = np.nan  # 20% missing: a data-quality warning
    patchy.to_parquet(tmp_path / "patchy.parquet")
    return tmp_path


def run(capsys, *args):
    code = cli.main(["check", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_exit_0_when_nothing_alerts(files, capsys):
    for data in ("iid.parquet", "iid.csv"):
        code, out, err = run(capsys, files / "config.yaml", files / data)
        assert (code, err) == (0, "")
        assert out.splitlines()[0].startswith("mlmon check: credit-risk 3, 3,360 rows: 0 alert(s)")


def test_exit_1_on_a_critical_alert_with_a_text_table(files, capsys):
    code, out, err = run(capsys, files / "config.yaml", files / "shifted.csv")
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert "4 alert(s) (4 critical, 0 warning, 0 suppressed); 4 at or above critical" in lines[0]
    assert lines[1].split() == [
        "window_start",
        "feature",
        "domain",
        "severity",
        "route",
        "suppressed",
        "message",
    ]
    assert lines[2].split()[:5] == ["2024-05-04", "00:00:00", "income", "drift", "critical"]


def test_json_output_is_an_array_of_alerts(files, capsys):
    code, out, _ = run(capsys, files / "config.json", files / "shifted.parquet", "--format", "json")
    alerts = json.loads(out)
    assert code == 1
    assert [a["window_start"] for a in alerts] == [f"2024-05-0{d}T00:00:00" for d in (4, 5, 6, 7)]
    assert set(alerts[0]) == {
        "window_start",
        "window_end",
        "feature",
        "segment",
        "domain",
        "metric",
        "value",
        "threshold",
        "severity",
        "route",
        "suppressed",
        "message",
    }
    assert alerts[0]["suppressed"] is False


def test_fail_on_warning(files, capsys):
    code, out, _ = run(capsys, files / "config.yaml", files / "patchy.parquet")
    assert code == 0
    assert "7 alert(s) (0 critical, 7 warning" in out
    code, _, _ = run(
        capsys, files / "config.yaml", files / "patchy.parquet", "--fail-on", "warning"
    )
    assert code == 1


def test_suppressed_alerts_do_not_fail(files, capsys):
    period = {"start": "2024-05-04T00:00:00Z", "end": "2024-05-08T00:00:00Z", "reason": "migration"}
    config(suppressions=[period]).to_yaml(files / "quiet.yaml")
    code, out, _ = run(capsys, files / "quiet.yaml", files / "shifted.csv")
    assert code == 0
    assert "4 suppressed); 0 at or above critical -> exit 0" in out


def test_missing_column_fails_with_a_data_quality_alert(files, capsys):
    production().drop(columns="flag").to_csv(files / "noflag.csv", index=False)
    code, out, _ = run(capsys, files / "config.yaml", files / "noflag.csv")
    assert code == 1
    assert "column 'flag' is missing from the data" in out


def test_time_option_names_the_timestamp_column(files, capsys):
    production(shift_from=3).rename(columns={"ts": "logged"}).to_csv(
        files / "renamed.csv", index=False
    )
    code, out, _ = run(capsys, files / "config.yaml", files / "renamed.csv", "--time", "logged")
    assert code == 1
    assert "4 critical" in out


def test_warnings_are_one_line_on_stderr(files, capsys):
    data = production()
    data.loc[data.index[:3], "ts"] = pd.NaT
    data.to_parquet(files / "gaps.parquet")
    code, _, err = run(capsys, files / "config.yaml", files / "gaps.parquet")
    assert code == 0
    assert err.startswith("mlmon: warning: 3 row(s) have no timestamp")
    assert err.count("\n") == 1


def _assert_refused(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert err.startswith(message), err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_exit_2_on_bad_config(files, capsys):
    text = (files / "config.yaml").read_text().replace("alpha: 0.01", "alpha: high")
    (files / "bad.yaml").write_text(text)
    _assert_refused(
        capsys,
        [files / "bad.yaml", files / "iid.csv"],
        f"mlmon: {files / 'bad.yaml'}: alpha: must be a number; got a string",
    )
    newer = (files / "config.yaml").read_text().replace("schema_version: 2", "schema_version: 3")
    (files / "newer.yaml").write_text(newer)
    _assert_refused(
        capsys,
        [files / "newer.yaml", files / "iid.csv"],
        f"mlmon: {files / 'newer.yaml'}: schema_version 3 is newer than this mlmon_widgets",
    )
    _assert_refused(
        capsys, [files / "absent.yaml", files / "iid.csv"], f"mlmon: {files / 'absent.yaml'}: "
    )


def test_exit_2_on_a_null_section_or_a_number_too_large_for_a_float(files, capsys):
    text = (files / "config.yaml").read_text()
    for old, new, message in (
        ("rules: {}", "rules: ~", "rules: must be a mapping; got None (null)"),
        ("roles: {income", "roles: ~\nx: {income", "roles: must be a mapping; got None (null)"),
        (
            "alpha: 0.01",
            "alpha: " + "9" * 400,
            "alpha: must be a finite number in (0, 1); got an integer of 400 digits",
        ),
    ):
        assert old in text
        (files / "bad.yaml").write_text(text.replace(old, new, 1))
        if old.startswith("roles"):  # keep the YAML valid: drop the rest of the line
            line = next(x for x in text.splitlines() if x.startswith("roles:"))
            (files / "bad.yaml").write_text(text.replace(line, "roles: ~", 1))
        _assert_refused(
            capsys,
            [files / "bad.yaml", files / "iid.csv"],
            f"mlmon: {files / 'bad.yaml'}: {message}",
        )


def test_exit_2_not_1_on_an_unexpected_error(files, capsys, monkeypatch):
    # Exit 1 means alerts: a crash reading or judging the input must not look like one.
    def overflow(*args, **kwargs):
        raise OverflowError("int too large to convert to float")

    with monkeypatch.context() as patch:
        patch.setattr(cli, "read_data", overflow)
        _assert_refused(
            capsys,
            [files / "config.yaml", files / "iid.csv"],
            f"mlmon: {files / 'iid.csv'}: OverflowError: int too large to convert to float",
        )
    with monkeypatch.context() as patch:
        patch.setattr(cli, "evaluate", overflow)
        _assert_refused(
            capsys,
            [files / "config.yaml", files / "iid.csv"],
            "mlmon: cannot evaluate the config on the data: OverflowError: int too large",
        )
    with monkeypatch.context() as patch:
        patch.setattr(cli.MonitoringConfig, "load", overflow)
        _assert_refused(
            capsys,
            [files / "config.yaml", files / "iid.csv"],
            f"mlmon: {files / 'config.yaml'}: OverflowError: int too large",
        )


def test_exit_2_on_unreadable_data(files, capsys):
    config_path = files / "config.yaml"
    _assert_refused(capsys, [config_path, files / "none.csv"], "mlmon: ")
    _assert_refused(capsys, [config_path, files / "data.xlsx"], "mlmon: ")
    production().to_csv(files / "semicolon.csv", sep=";", index=False)
    code, _, err = run(capsys, config_path, files / "semicolon.csv")
    assert code == 2
    assert "looks like the delimiter is not ','" in err and "';'" in err
    (files / "latin.csv").write_bytes("ts,region\n2024-05-01,Zürich\n".encode("latin-1"))
    code, _, err = run(capsys, config_path, files / "latin.csv")
    assert code == 2
    assert "not UTF-8 text (byte 0xfc" in err
    (files / "broken.parquet").write_bytes(b"not parquet at all")
    code, _, err = run(capsys, config_path, files / "broken.parquet")
    assert code == 2
    assert "not a readable Parquet file" in err
    (files / "empty.csv").write_text("")
    code, _, err = run(capsys, config_path, files / "empty.csv")
    assert code == 2
    assert "the file is empty" in err
    bad_time = production().astype({"ts": str})
    bad_time.loc[0, "ts"] = "yesterday"
    bad_time.to_csv(files / "bad_time.csv", index=False)
    code, _, err = run(capsys, config_path, files / "bad_time.csv")
    assert code == 2
    assert "time column 'ts' is not ISO-8601 timestamps" in err


def test_exit_2_on_bad_usage(files, capsys):
    for args in (["check", str(files / "config.yaml")], ["check", "a", "b", "--fail-on", "info"]):
        with pytest.raises(SystemExit) as stop:
            cli.main(args)
        assert stop.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("mlmon check: ") and err.count("\n") == 1


def test_python_m_runs_the_check(files):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlmon_widgets.cli",
            "check",
            "config.yaml",
            "shifted.parquet",
            "--format",
            "json",
        ],
        cwd=files,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 1, out.stderr
    assert out.stderr == ""
    assert {a["feature"] for a in json.loads(out.stdout)} == {"income"}
    assert pd.Timestamp(json.loads(out.stdout)[0]["window_start"]) == START + pd.Timedelta("3D")


def test_exit_2_on_a_baseline_whose_bin_edges_do_not_increase(files, capsys):
    """A hand-edited or corrupted baseline is refused with the field's path, never judged."""
    data = json.loads((files / "config.json").read_text())
    edges = data["baseline"]["features"]["income"]["edges"]
    edges[3], edges[4] = edges[4], edges[3]
    (files / "bad.json").write_text(json.dumps(data))
    code, out, err = run(capsys, files / "bad.json", files / "iid.parquet")
    assert (code, out) == (2, "")
    assert err.startswith(f"mlmon: {files / 'bad.json'}: baseline.features.income.edges[4]: ")
    assert "must strictly increase" in err and err.count("\n") == 1
    assert "invalid value" not in err  # no numpy warning on the way


def test_a_batch_without_rows_fails_as_a_pipeline_alert(files, capsys):
    production().iloc[:0].to_parquet(files / "empty.parquet")
    code, out, _err = run(capsys, files / "config.yaml", files / "empty.parquet")
    assert code == 1 and "0 rows: 1 alert(s) (1 critical" in out
    assert "the batch has no rows" in out
