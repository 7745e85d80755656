"""`evaluate` and `mlmon check --engine arrow|dask` judge a large source as pandas would.

The demo's config (baseline, daily windows on the notebook's grid, quality and performance
sections) on the demo's production: the alerts of an Arrow dataset streamed in small
batches and of a Dask DataFrame equal, row for row, those of the pandas frame; `mlmon
check` prints the same table from a Parquet file, folder or glob with every engine.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

import mlmon_widgets as mm
from mlmon_widgets import cli
from mlmon_widgets.datasets import load_demo
from mlmon_widgets.engine._scale import sources
from mlmon_widgets.reports import write_demo_batch, write_demo_config

#: A performance section on the demo: accuracy (needs the labels) and latency (does not).
PERFORMANCE = {
    "task": "classification",
    "label": "defaulted",
    "score": "score",
    "latency": "latency_ms",
    "min_rows": 50,
    "rules": {
        "accuracy": {"centre": 0.9, "sigma": 0.01, "side": "lower", "warning": 2, "critical": 3},
        "latency_p95": {"centre": 80.0, "sigma": 5.0, "side": "upper", "warning": 2, "critical": 3},
    },
}


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    demo = load_demo()
    return mm.join_labels(
        frame, demo.labels, on="application_id", label="defaulted", label_time="label_time"
    )


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    write_demo_config(folder / "monitoring.yaml")
    config = mm.MonitoringConfig.load(folder / "monitoring.yaml").to_dict()
    mm.MonitoringConfig.from_dict({**config, "performance": PERFORMANCE}).to_yaml(
        folder / "monitoring.yaml"
    )
    write_demo_batch(folder / "batch.parquet", days=21)
    batch = _labelled(pd.read_parquet(folder / "batch.parquet"))
    batch.to_parquet(folder / "batch.parquet")
    parts = folder / "parts"
    parts.mkdir()
    for i, rows in enumerate(np.array_split(np.arange(len(batch)), 5)):
        batch.iloc[rows].to_parquet(parts / f"part-{i}.parquet", row_group_size=400)
    return folder


@pytest.fixture
def config(demo_files):
    return mm.MonitoringConfig.load(demo_files / "monitoring.yaml")


def test_evaluate_a_dataset_as_pandas(demo_files, config, monkeypatch):
    monkeypatch.setattr(sources, "BATCH_ROWS", 700)
    batch = pd.read_parquet(demo_files / "batch.parquet")
    assert config.performance is not None
    want = mm.evaluate(config, batch)
    got = mm.evaluate(config, ds.dataset(pa.Table.from_pandas(batch, preserve_index=False)))
    pd.testing.assert_frame_equal(got, want)
    assert set(want["domain"]) >= {"drift", "data_quality", "latency"}


def test_evaluate_on_the_cluster(demo_files, config, dask_client):
    dd = pytest.importorskip("dask.dataframe")
    batch = pd.read_parquet(demo_files / "batch.parquet")
    want = mm.evaluate(config, batch)
    got = mm.evaluate(config, dd.read_parquet(demo_files / "parts"))
    pd.testing.assert_frame_equal(got, want)


def test_the_whole_demo_period_and_retraining_events(config):
    """90 days with a new model version: drift, quality, performance, version events."""
    production = _labelled(load_demo().production)
    source = ds.dataset(pa.Table.from_pandas(production, preserve_index=False))
    pd.testing.assert_frame_equal(mm.evaluate(config, source), mm.evaluate(config, production))
    events = mm.config.retraining_events(config, source)
    pd.testing.assert_frame_equal(events, mm.config.retraining_events(config, production))


def _check(capsys, *args):
    code = cli.main(["check", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_mlmon_check_with_every_engine(demo_files, capsys):
    config = demo_files / "monitoring.yaml"
    want = _check(capsys, config, demo_files / "batch.parquet")
    assert want[0] == 1 and "alert(s)" in want[1]
    for data in ("batch.parquet", "parts", "parts/part-*.parquet"):
        for engine in ("pandas", "arrow", "dask"):
            got = _check(capsys, config, demo_files / data, "--engine", engine)
            assert got == want, (data, engine)


def test_refusals_are_one_line(demo_files, config, capsys, tmp_path):
    yaml = demo_files / "monitoring.yaml"
    code, _, err = _check(capsys, yaml, demo_files / "nothing-*.parquet", "--engine", "arrow")
    assert code == 2 and "no file matches" in err and len(err.splitlines()) == 1
    csv = tmp_path / "batch.csv"
    pd.read_parquet(demo_files / "batch.parquet").to_csv(csv, index=False)
    code, _, err = _check(capsys, yaml, csv, "--engine", "arrow")
    assert code == 2 and "reads Parquet" in err
    promoted = config.to_dict()
    promoted["promotion"] = {"live": "score", "shadow": "shadow_score", "label": "defaulted"}
    path = tmp_path / "promotion.yaml"
    mm.MonitoringConfig.from_dict(promoted).to_yaml(path)
    code, _, err = _check(capsys, path, demo_files / "parts", "--engine", "arrow")
    assert code == 2 and "promotion section" in err and len(err.splitlines()) == 1


def test_segments_at_scale(demo_files, config, monkeypatch):
    """Each segment judged on its rows: every piece filtered as it is read."""
    monkeypatch.setattr(sources, "BATCH_ROWS", 900)
    reference = load_demo().reference
    segmented = config.with_segment(reference, {"channel": "partner"}, min_rows=30)
    batch = pd.read_parquet(demo_files / "batch.parquet")
    want = mm.evaluate(segmented, batch)
    got = mm.evaluate(segmented, mm.parquet_dataset(demo_files / "parts"))
    pd.testing.assert_frame_equal(got, want)
    assert (want["segment"] == "channel == 'partner'").any()


def test_engine_dask_without_dask_names_the_extra(demo_files):
    """Without Dask installed, --engine dask is refused in one line naming the extra."""
    code = (
        "import sys; sys.modules['dask'] = None; sys.modules['dask.dataframe'] = None\n"
        "from mlmon_widgets import cli\n"
        f"sys.exit(cli.main(['check', {str(demo_files / 'monitoring.yaml')!r}, "
        f"{str(demo_files / 'parts')!r}, '--engine', 'dask']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip().endswith("pip install 'mlmon_widgets[dask]'")
    assert len(done.stderr.splitlines()) == 1


def test_a_file_whose_name_looks_like_a_glob(demo_files, capsys, tmp_path):
    """`batch[1].parquet` is a file, not a pattern: read as it is named."""
    named = tmp_path / "batch[1].parquet"
    named.write_bytes((demo_files / "batch.parquet").read_bytes())
    config = demo_files / "monitoring.yaml"
    assert _check(capsys, config, named) == _check(capsys, config, demo_files / "batch.parquet")


def test_engine_dask_on_the_cluster_of_dask_scheduler_address(
    demo_files, capsys, monkeypatch, dask_client
):
    """DASK_SCHEDULER_ADDRESS names the cluster `mlmon check --engine dask` runs on."""
    config, parts = demo_files / "monitoring.yaml", demo_files / "parts"
    want = _check(capsys, config, parts)
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", dask_client.scheduler.address)

    def state(dask_scheduler):
        return len(dask_scheduler.clients), dask_scheduler.transition_counter

    clients, transitions = dask_client.run_on_scheduler(state)
    assert _check(capsys, config, parts, "--engine", "dask") == want
    clients_after, transitions_after = dask_client.run_on_scheduler(state)
    assert transitions_after > transitions + 100  # the work ran on this cluster
    assert clients_after == clients  # and the command's own client was closed
