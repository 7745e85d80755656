"""Concept-drift detectors: exact detection indices pinned to river 0.26.1, batch = streaming.

Provenance of the pinned indices: every ``EXPECTED_*`` list below was produced by
``river.drift.ADWIN`` / ``river.drift.PageHinkley`` of river 0.26.1 (``pip install
river==0.26.1``) with the ``detections`` helper on ``make_stream(kind, seed)``, and
cross-checked against this package's streaming ``update`` loop and its batch ``detect``
(all three agreed exactly). river is not needed to run these tests;
``test_same_detections_as_river`` re-derives them on more random streams when it is installed.
Tolerance there: none, the indices must be identical (the streaming state too, bit for bit).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import mlmon_widgets
from mlmon_widgets.detectors import (
    ADWIN,
    DriftDetector,
    PageHinkley,
    detect_changes,
    prediction_drift_without_input_drift,
)


def make_stream(kind: str, seed: int) -> np.ndarray:
    """Seeded streams: normal mean shifts (abrupt, gradual, up then down), a binary error rate."""
    rng = np.random.default_rng(seed)
    if kind == "abrupt":
        return np.r_[rng.normal(0.0, 1.0, 1000), rng.normal(1.0, 1.0, 1000)]
    if kind == "gradual":
        mean = np.clip((np.arange(2500) - 1000) / 600, 0.0, 1.0) * 1.5
        return rng.normal(mean, 1.0)
    if kind == "binary":
        return (rng.random(2000) < np.where(np.arange(2000) < 1000, 0.2, 0.6)).astype(float)
    assert kind == "updown"
    return np.r_[rng.normal(0, 0.5, 700), rng.normal(2, 0.5, 700), rng.normal(-1, 0.5, 700)]


def detections(detector: DriftDetector, stream) -> list[int]:
    """Indices at which a streaming loop of ``update`` reports a drift (river's perform_test)."""
    found = []
    for i, x in enumerate(stream):
        detector.update(x)
        if detector.drift_detected:
            found.append(i)
    return found


def river_stream_1() -> np.ndarray:
    """``data_stream_1`` of river's ``drift/test_drift_detectors.py`` (legacy seeding)."""
    legacy = np.random.RandomState(12345)
    return np.concatenate((legacy.randint(2, size=1000), legacy.randint(8, size=1000)))


# (detector, {(kind, seed): indices}) -- from river 0.26.1, see the module docstring.
CASES = [
    (
        ADWIN(),
        {
            ("abrupt", 1): [1055],
            ("abrupt", 2): [1055],
            ("abrupt", 3): [1055],
            ("gradual", 1): [1247, 1695],
            ("gradual", 2): [1311, 1663],
            ("gradual", 3): [1247, 1599],
            ("binary", 1): [1087],
            ("binary", 2): [1087],
            ("binary", 3): [1055],
            ("updown", 1): [735, 1407],
            ("updown", 2): [735, 1407],
            ("updown", 3): [735, 1407],
        },
    ),
    (
        ADWIN(delta=0.1, clock=1),
        {
            ("abrupt", 1): [1027],
            ("abrupt", 2): [1030],
            ("abrupt", 3): [1026],
            ("gradual", 1): [1136, 1360, 1519],
            ("gradual", 2): [1261, 1553],
            ("gradual", 3): [1190, 1518],
            ("binary", 1): [1031],
            ("binary", 2): [1033],
            ("binary", 3): [1031],
            ("updown", 1): [708, 1403],
            ("updown", 2): [705, 1403],
            ("updown", 3): [705, 1403],
        },
    ),
    (
        PageHinkley(),
        {
            ("abrupt", 1): [1032],
            ("abrupt", 2): [1025],
            ("abrupt", 3): [1041],
            ("gradual", 1): [1148, 1355, 1628],
            ("gradual", 2): [1208, 1485, 2094],
            ("gradual", 3): [1198, 1520],
            ("binary", 1): [1147],
            ("binary", 2): [1140],
            ("binary", 3): [1107],
            ("updown", 1): [721, 1415],
            ("updown", 2): [722, 1410],
            ("updown", 3): [719, 1415],
        },
    ),
    (
        PageHinkley(threshold=20.0, alpha=1.0, mode="up"),
        {
            ("abrupt", 1): [449, 894, 1011, 1113, 1370, 1519, 1822],
            ("abrupt", 2): [882, 1022, 1540],
            ("abrupt", 3): [277, 415, 1008, 1570, 1669],
            ("gradual", 1): [449, 894, 1104, 1274, 1504, 1788],
            ("gradual", 2): [882, 1175, 1232, 1323, 1471, 1553, 2020, 2358, 2479],
            ("gradual", 3): [277, 415, 1089, 1214, 1318, 1499, 1669, 2043],
            ("binary", 1): [1056],
            ("binary", 2): [1053, 1673],
            ("binary", 3): [654, 1050, 1679],
            ("updown", 1): [572, 709],
            ("updown", 2): [707],
            ("updown", 3): [703, 1182],
        },
    ),
]
PINNED = [
    pytest.param(detector, kind, seed, expected, id=f"{detector!r}-{kind}-{seed}")
    for detector, table in CASES
    for (kind, seed), expected in table.items()
]


@pytest.mark.parametrize(("detector", "kind", "seed", "expected"), PINNED)
def test_pinned_detections(detector, kind, seed, expected):
    stream = make_stream(kind, seed)
    assert detections(detector.clone(), stream) == expected
    assert detector.detect(stream).tolist() == expected


@pytest.mark.parametrize(
    ("detector", "expected"),
    # river 0.26.1 on river's own test stream (its test file at older commits pinned
    # [1055] and [1020, 1991], from the Cython ADWIN and an older PageHinkley).
    [(ADWIN(), [1023]), (PageHinkley(), [1020, 1397, 1548, 1988])],
)
def test_river_test_stream(detector, expected):
    stream = river_stream_1()
    assert detections(detector, stream) == expected
    assert detect_changes(stream, detector).tolist() == expected


def random_cases(count: int):
    """Random streams (shifts, trends, binary, offset heavy tails) and random configurations."""
    for seed in range(count):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(300, 4000))
        kind = seed % 4
        if kind == 0:
            cuts = np.sort(rng.choice(n, int(rng.integers(1, 5)), replace=False))
            means = rng.normal(0, 2, len(cuts) + 1)
            x = rng.normal(0, 1, n) + np.repeat(means, np.diff(np.r_[0, cuts, n]))
        elif kind == 1:
            x = rng.normal(0, 1, n) + np.clip(3 * np.arange(n) / n - 1, 0, 1) * rng.normal(0, 3)
        elif kind == 2:
            p = np.where(np.arange(n) < n // 2, rng.uniform(0.1, 0.5), rng.uniform(0.3, 0.9))
            x = (rng.random(n) < p).astype(float)
        else:
            x = 1000 + rng.standard_t(3, n) * rng.uniform(0.1, 10)
        adwin = {
            "delta": float(rng.choice([0.002, 0.01, 0.1])),
            "clock": int(rng.choice([1, 8, 32])),
            "max_buckets": int(rng.choice([2, 3, 5, 7])),
            "min_window_length": int(rng.choice([1, 5, 10])),
            "grace_period": int(rng.choice([0, 10, 50])),
        }
        page_hinkley = {
            "min_instances": int(rng.choice([1, 30, 100])),
            "delta": float(rng.choice([0.0, 0.005, 0.1])),
            "threshold": float(rng.choice([5.0, 20.0, 50.0])),
            "alpha": float(rng.choice([1.0, 1 - 1e-4, 0.99])),
            "mode": str(rng.choice(["both", "up", "down"])),
        }
        yield x, adwin, page_hinkley


def test_same_detections_as_river():
    """Tolerance: none. Identical indices, and ADWIN's window statistics equal bit for bit."""
    drift = pytest.importorskip("river.drift", exc_type=ImportError)
    for x, adwin, page_hinkley in random_cases(40):
        ours, theirs = ADWIN(**adwin), drift.ADWIN(**adwin)
        assert detections(ours, x) == detections(theirs, x), adwin
        assert (ours.width, ours.total, ours.variance) == (
            theirs.width,
            theirs.total,
            theirs.variance,
        )
        assert ours.estimation == theirs.estimation
        ours, theirs = PageHinkley(**page_hinkley), drift.PageHinkley(**page_hinkley)
        assert detections(ours, x) == detections(theirs, x), page_hinkley


def test_batch_equals_streaming():
    for x, adwin, page_hinkley in random_cases(40):
        for detector in (ADWIN(**adwin), PageHinkley(**page_hinkley)):
            assert detector.detect(x).tolist() == detections(detector.clone(), x), detector


def test_batch_equals_streaming_on_long_segments_and_many_detections():
    rng = np.random.default_rng(7)
    # A change after 15,000 quiet values: the batch chunks grow several times first.
    late = np.r_[rng.normal(0, 1, 15_000), rng.normal(0.5, 1, 3_000)]
    for detector in (ADWIN(), ADWIN(clock=1, max_buckets=2), PageHinkley(threshold=100)):
        expected = detections(detector.clone(), late)
        assert expected, detector
        assert detector.detect(late).tolist() == expected
    # Hundreds of detections: short segments, restarted in the middle of a chunk.
    noisy = rng.normal(0, 3, 20_000)
    many = PageHinkley(min_instances=5, threshold=5.0, alpha=0.99)
    expected = detections(many.clone(), noisy)
    assert len(expected) > 500
    assert many.detect(noisy).tolist() == expected


def test_detector_shape():
    ph = PageHinkley(threshold=20.0)
    assert ph.update(1.0) is ph
    assert ph.drift_detected is False
    with pytest.raises(AttributeError):
        ph.drift_detected = True
    params = {"min_instances": 30, "delta": 0.005, "threshold": 20.0, "alpha": 0.9999}
    assert ph.get_params() == {**params, "mode": "both"}
    assert {k: getattr(ph, k) for k in params} == params
    assert repr(ph) == (
        "PageHinkley(min_instances=30, delta=0.005, threshold=20.0, alpha=0.9999, mode='both')"
    )
    assert ADWIN().get_params() == {
        "delta": 0.002,
        "clock": 32,
        "max_buckets": 5,
        "min_window_length": 5,
        "grace_period": 10,
    }
    clone = ph.clone()
    assert clone is not ph and clone.get_params() == ph.get_params()
    assert isinstance(ph, DriftDetector) and isinstance(ADWIN(), DriftDetector)


def test_state_resets_after_a_detection():
    adwin = ADWIN()
    stream = make_stream("abrupt", 1)
    for x in stream[:1056]:
        adwin.update(x)
    assert adwin.drift_detected and adwin.width < 1056
    adwin.update(0.0)
    assert not adwin.drift_detected
    assert (adwin.width, adwin.total, adwin.estimation) == (1.0, 0.0, 0.0)
    ph = PageHinkley(min_instances=1, threshold=1.0, alpha=1.0)
    for x in [0.0, 0.0, 10.0]:
        ph.update(x)
    assert ph.drift_detected
    ph.update(5.0)
    assert not ph.drift_detected and ph._n == 1.0 and ph._mean == 5.0


def test_detect_leaves_the_detector_alone_and_uses_current_attributes():
    stream = make_stream("abrupt", 2)
    ph = PageHinkley()
    for x in stream[:500]:
        ph.update(x)
    state = dict(vars(ph))
    assert ph.detect(stream).tolist() == [1025]
    assert vars(ph) == state
    ph.threshold = 10.0  # attributes may be edited (as river allows); detect validates them
    assert len(ph.detect(stream)) > 1
    ph.threshold = -1.0
    with pytest.raises(ValueError, match=r"threshold must be a finite number > 0; got -1\.0"):
        ph.detect(stream)


def test_detect_input_forms():
    assert ADWIN().detect([]).tolist() == []
    assert PageHinkley().detect(np.zeros(10)).dtype == np.int64
    ints = make_stream("binary", 1).astype(int)
    assert PageHinkley().detect(ints).tolist() == [1147]
    assert ADWIN().detect(pd.Series(ints)).tolist() == [1087]


@pytest.mark.parametrize(
    ("factory", "kwargs", "error", "message"),
    [
        (ADWIN, {"delta": 0.0}, ValueError, r"delta must be a finite number in \(0, 1\); got 0.0"),
        (ADWIN, {"delta": 1.5}, ValueError, "delta must be"),
        (ADWIN, {"delta": "0.1"}, TypeError, "delta must be"),
        (ADWIN, {"clock": 0}, ValueError, "clock must be an integer >= 1; got 0"),
        (ADWIN, {"clock": 2.5}, TypeError, "clock must be an integer"),
        (ADWIN, {"max_buckets": 1}, ValueError, "max_buckets must be an integer >= 2; got 1"),
        (ADWIN, {"min_window_length": 0}, ValueError, "min_window_length must be an integer"),
        (ADWIN, {"grace_period": -1}, ValueError, "grace_period must be an integer >= 0"),
        (ADWIN, {"grace_period": True}, TypeError, "grace_period must be an integer"),
        (ADWIN, {"alpha": 0.1}, TypeError, "unexpected keyword argument 'alpha'"),
        (PageHinkley, {"min_instances": 0}, ValueError, "min_instances must be an integer"),
        (PageHinkley, {"delta": -0.1}, ValueError, r"delta must be a finite number >= 0; got -0.1"),
        (PageHinkley, {"threshold": 0}, ValueError, "threshold must be a finite number > 0; got 0"),
        (PageHinkley, {"threshold": float("nan")}, ValueError, "threshold must be"),
        (PageHinkley, {"alpha": 0.0}, ValueError, r"alpha must be a finite number in \(0, 1\]"),
        (PageHinkley, {"alpha": 1.01}, ValueError, "alpha must be"),
        (PageHinkley, {"mode": "Up"}, ValueError, "mode must be one of: {'both', 'up', 'down'}"),
    ],
)
def test_bad_arguments(factory, kwargs, error, message):
    with pytest.raises(error, match=message):
        factory(**kwargs)


@pytest.mark.parametrize("detector", [ADWIN(), PageHinkley()], ids=repr)
def test_bad_values(detector):
    with pytest.raises(ValueError, match="x must be a finite number; got nan"):
        detector.update(float("nan"))
    with pytest.raises(ValueError, match="x must be a finite number; got inf"):
        detector.update(np.inf)
    with pytest.raises(TypeError, match="x must be a number; got a string \\('1'\\)"):
        detector.update("1")
    with pytest.raises(ValueError, match="values must be finite; position 2 is nan"):
        detector.detect([1.0, 2.0, np.nan])
    with pytest.raises(ValueError, match=r"values must be one-dimensional; got shape \(2, 2\)"):
        detector.detect(np.zeros((2, 2)))
    not_numbers = r"values must hold numbers; found non-numeric value\(s\) \['a', 'b'\]"
    with pytest.raises(TypeError, match=not_numbers):
        detector.detect(["a", "b"])
    with pytest.raises(TypeError, match="detector must be a detector"):
        detect_changes([1.0, 2.0], detector="adwin")


def test_import_loads_no_widget_library_nor_river():
    code = (
        "import sys, mlmon_widgets.detectors\n"
        "banned = {'anywidget', 'ipywidgets', 'traitlets', 'altair', 'river'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in banned))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_detect_changes_defaults_to_adwin():
    stream = make_stream("abrupt", 1)
    assert detect_changes(stream).tolist() == [1055]


# --- prediction drift without input drift ---------------------------------------------------


def drift_frames(*, input_shift: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two inputs and a score; the score's distribution changes halfway through production."""
    rng = np.random.default_rng(11)
    reference = pd.DataFrame(
        {"age": rng.normal(size=2000), "income": rng.normal(size=2000), "score": rng.random(2000)}
    )
    production = pd.DataFrame(
        {
            "age": np.r_[rng.normal(size=1500), rng.normal(input_shift, 1, 1500)],
            "income": rng.normal(size=3000),
            "score": np.r_[rng.random(1500), rng.random(1500) ** 2],
        }
    )
    return reference, production


def test_prediction_drift_without_input_drift_on_drift_over_time():
    reference, production = drift_frames(input_shift=0.0)
    table = mlmon_widgets.drift_over_time(reference, production, rows=500)
    result = prediction_drift_without_input_drift(table, "score")
    assert result.columns.tolist() == [
        "window",
        "window_start",
        "window_end",
        "prediction_severity",
        "input_severity",
        "drifted_inputs",
        "untested_inputs",
        "status",
        "suspected",
    ]
    assert result["window"].tolist() == [0, 1, 2, 3, 4, 5]
    assert result["window_start"].tolist() == [0, 500, 1000, 1500, 2000, 2500]
    assert (
        result["status"].tolist() == ["no_prediction_drift"] * 3 + ["concept_drift_suspected"] * 3
    )
    assert result["suspected"].tolist() == [False] * 3 + [True] * 3
    assert (result["input_severity"] == "ok").all()
    assert (result["prediction_severity"].iloc[3:] == "critical").all()


def test_input_drift_explains_prediction_drift():
    reference, production = drift_frames(input_shift=1.0)
    table = mlmon_widgets.drift_over_time(reference, production, rows=500)
    result = prediction_drift_without_input_drift(table, "score", inputs=["age", "income"])
    assert (
        result["status"].tolist() == ["no_prediction_drift"] * 3 + ["explained_by_input_drift"] * 3
    )
    assert result["drifted_inputs"].tolist() == [""] * 3 + ["age"] * 3
    assert not result["suspected"].any()
    # Leaving the drifting input out of the inputs turns the same windows into suspects.
    alone = prediction_drift_without_input_drift(table, "score", inputs=["income"])
    assert alone["suspected"].tolist() == [False] * 3 + [True] * 3


def hand_table(rows: dict[int, dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"window": w, "feature": f, "severity": s}
            for w, features in rows.items()
            for f, s in features.items()
        ]
    )


def test_statuses_with_untested_and_off_features():
    table = hand_table(
        {
            0: {"a": "ok", "b": "insufficient_data", "p": "critical"},  # b may explain it
            1: {"a": "ok", "b": "off", "p": "critical"},  # b switched off: suspected
            2: {"a": "ok", "b": "ok", "p": "insufficient_data"},  # output untested
            3: {"a": "ok", "b": "ok", "p": "off"},
            4: {"a": "warning", "b": "insufficient_data", "p": "warning"},
            5: {"a": "off", "b": "off", "p": "critical"},  # no input to rule anything out
            6: {"a": "ok", "p": "warning"},  # no row for b in this window: untested
        }
    )
    result = prediction_drift_without_input_drift(table, "p")
    assert result["status"].tolist() == [
        "undetermined",
        "concept_drift_suspected",
        "undetermined",
        "undetermined",
        "explained_by_input_drift",
        "undetermined",
        "undetermined",
    ]
    assert result["untested_inputs"].tolist() == [1, 0, 0, 0, 1, 0, 1]
    assert result["prediction_severity"].tolist()[2:4] == ["insufficient_data"] * 2
    assert result["input_severity"].tolist()[5] == "insufficient_data"


def test_level_and_several_prediction_columns():
    table = hand_table(
        {
            0: {"a": "warning", "p0": "critical", "p1": "ok"},
            1: {"a": "ok", "p0": "ok", "p1": "warning"},
            2: {"a": "ok", "p0": "ok", "p1": "ok"},
        }
    )
    default = prediction_drift_without_input_drift(table, ["p0", "p1"])
    assert default["status"].tolist() == [
        "explained_by_input_drift",
        "concept_drift_suspected",
        "no_prediction_drift",
    ]
    critical = prediction_drift_without_input_drift(table, ["p0", "p1"], level="critical")
    assert critical["status"].tolist() == [
        "concept_drift_suspected",
        "no_prediction_drift",
        "no_prediction_drift",
    ]
    assert critical["prediction_severity"].tolist() == ["critical", "warning", "ok"]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda t: prediction_drift_without_input_drift(t.values, "p"), TypeError, "table must"),
        (
            lambda t: prediction_drift_without_input_drift(t.drop(columns="severity"), "p"),
            ValueError,
            r"missing \['severity'\]",
        ),
        (lambda t: prediction_drift_without_input_drift(t, "q"), ValueError, "prediction must"),
        (lambda t: prediction_drift_without_input_drift(t, []), ValueError, "at least one"),
        (
            lambda t: prediction_drift_without_input_drift(t, "p", inputs=["a", "p"]),
            ValueError,
            "inputs must not repeat",
        ),
        (
            lambda t: prediction_drift_without_input_drift(t, "p", inputs=["z"]),
            ValueError,
            "inputs must name features",
        ),
        (
            lambda t: prediction_drift_without_input_drift(t, "p", level="high"),
            ValueError,
            "level must be one of \\{'warning', 'critical'\\}; got a string \\('high'\\)",
        ),
        (
            lambda t: prediction_drift_without_input_drift(t.assign(severity=["ok", "bad"]), "p"),
            ValueError,
            r"table\['severity'\] must hold",
        ),
        (
            lambda t: prediction_drift_without_input_drift(pd.concat([t, t]), "p"),
            ValueError,
            "one row per window and feature",
        ),
    ],
)
def test_proxy_bad_arguments(call, error, message):
    table = hand_table({0: {"a": "ok", "p": "ok"}})
    with pytest.raises(error, match=message):
        call(table)
