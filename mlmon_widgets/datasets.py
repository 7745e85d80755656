"""Deterministic demo data: a credit-risk model with realistic production incidents.

:func:`load_demo` builds, in a fraction of a second and without any network or disk
access, a reference period (the model's validation data), 90 days of logged production
traffic and the delayed ground truth. Production is drawn from the same process as the
reference, so nothing drifts except the scenarios that :func:`load_demo` lists and
:attr:`DemoData.scenarios` describes. Every notebook, the ``mlmon demo`` command and the
widgets' examples use it.

Days are counted from the first production day, 0-based, as the ``window`` column of
``drift_over_time(..., window="1D")`` counts them: day 0 is 2024-03-01, day 89 is
2024-05-29.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["DemoData", "load_demo"]

#: First production instant (naive, read as UTC).
PRODUCTION_START = pd.Timestamp("2024-03-01")
#: Days of reference data (ending the day before production starts) and of production.
REFERENCE_DAYS = 60
PRODUCTION_DAYS = 90
#: Mean rows per day; the daily count follows a weekly pattern plus Poisson noise.
ROWS_PER_DAY = 1000
#: Cut-off on ``score`` for the boolean ``prediction`` (predicted default).
DECISION_THRESHOLD = 0.25

# Scenario days, 0-based from PRODUCTION_START (the window index of daily drift_over_time).
CREDIT_DRIFT_START = 30
INCOME_BREAK_DAY = 46
EMPLOYMENT_NULL_DAY = 38
PARTNER_SHIFT_START = 60
CONCEPT_DRIFT_START = 55
LATENCY_SPIKE_DAYS = (18, 52, 75)
OVERSEAS_START = 70
VERSION_SWITCH_DAY = 75

_CHANNELS = np.array(["branch", "online", "partner"], dtype=object)
_CHANNEL_P = np.array([0.33, 0.55, 0.12])
_REGIONS = np.array(["capital", "north", "south", "east", "west", "central"], dtype=object)
_REGION_P = np.array([0.22, 0.18, 0.17, 0.16, 0.15, 0.12])
_OVERSEAS_SHARE = 0.05
# Mon..Sun volume factors (mean 1) and the card-spend multiplier on weekends.
_WEEKLY_VOLUME = np.array([1.08, 1.06, 1.04, 1.04, 1.02, 0.90, 0.86])
_WEEKEND_SPEND = 1.5
# Hourly profile of applications (daytime-heavy).
_HOURLY = np.array(
    [
        [1.0, 0.6, 0.4, 0.3, 0.3, 0.5, 1.0, 2.0, 3.5, 4.5, 5.0, 5.2],  # 00-11 h
        [5.0, 5.0, 5.0, 4.8, 4.6, 4.6, 4.8, 5.0, 4.6, 3.8, 2.6, 1.6],  # 12-23 h
    ]
).ravel()
_CREDIT_MEAN, _CREDIT_STD = 680.0, 70.0
_CREDIT_DRIFT = 0.5  # in reference std units, reached on the last production day
_PARTNER_DTI_SHIFT = 0.07
_YOUNG_AGE = 30.0
_YOUNG_UPLIFT = 1.1  # added to the true default log-odds of young applicants
_SHADOW_CAPTURE = 0.75  # share of that uplift the challenger model captures
_SHADOW_SLOWER = 1.12  # the challenger's median latency over the live model's


@dataclass(frozen=True, eq=False)
class DemoData:
    """Demo data of a credit-risk model: reference, production, delayed labels, scenarios.

    Every call of :func:`load_demo` builds new frames, so changing them is safe. The
    reference and production frames have the same columns and dtypes, one row per loan
    application in time order:

    ``application_id``
        Unique string such as ``'A000123'`` (an id: excluded from drift).
    ``timestamp``
        Application time, ``datetime64[ns]``, naive (UTC), sorted.
    ``channel``
        Segment: ``'branch'``, ``'online'`` or ``'partner'``.
    ``region``
        Categorical with six values in the reference (``'overseas'`` appears later).
    ``age``, ``income``, ``loan_amount``, ``debt_to_income``, ``credit_score``, ``employment_years``
        Applicant features (floats; income is annual in currency units; credit_score an
        integer-valued float in 300-850; employment_years about 2 % missing).
    ``num_open_accounts``
        Integer count.
    ``card_spend_7d``
        Card spending over the last week, higher for applications made on weekends.
    ``score``, ``shadow_score``
        Predicted probability of default of the live model and of a challenger.
    ``prediction``
        ``score > 0.25`` (the lending decision's cut-off), boolean.
    ``latency_ms``, ``shadow_latency_ms``
        Scoring latency (lognormal) of the live model and of the challenger (about 12 %
        slower, with the same spikes).
    ``model_version``
        Version of the live model.

    Attributes
    ----------
    reference : pandas.DataFrame
        The validation period: 60 days (2024-01-01 to 2024-02-29), about 1,000 rows a day.
    production : pandas.DataFrame
        90 days of logged traffic (2024-03-01 to 2024-05-29), about 1,000 rows a day with
        a weekly volume pattern (fewer on weekends).
    labels : pandas.DataFrame
        Delayed ground truth, columns ``application_id``, ``defaulted`` (bool) and
        ``label_time`` (``datetime64[ns]``), in arrival order. A label arrives 20 to 40 days
        after its application (uniformly at random); only labels arrived by ``as_of`` are
        included, so production days from 2024-04-20 on are partly labelled and the last
        20 days not at all. All reference applications are labelled.
    as_of : pandas.Timestamp
        End of production (exclusive): 2024-05-30 00:00.
    scenarios : dict
        Column name -> one-line description of what happens to it and on which days
        (0-based production days, as the ``window`` index of daily drift windows).
    time : str
        Name of the timestamp column, ``'timestamp'``.
    segment : str
        Name of the segment column, ``'channel'``.
    roles : dict
        The columns whose role a drift analysis should not guess: ``application_id`` is an
        id and ``model_version`` the model version (a retraining event, not drift). Pass
        ``roles=demo.roles`` to the engine and the widgets.

    Examples
    --------
    >>> from mlmon_widgets.datasets import load_demo
    >>> demo = load_demo()
    >>> demo
    DemoData(reference=(..., 18), production=(..., 18), labels=(..., 3), as_of=2024-05-30 00:00:00)
    >>> sorted(demo.scenarios)[:3]
    ['card_spend_7d', 'credit_score', 'debt_to_income']
    >>> demo.time, demo.segment, demo.roles
    ('timestamp', 'channel', {'application_id': 'id', 'model_version': 'version'})
    """

    reference: pd.DataFrame
    production: pd.DataFrame
    labels: pd.DataFrame
    as_of: pd.Timestamp
    scenarios: dict[str, str]
    time: str = "timestamp"
    segment: str = "channel"
    roles: dict[str, str] = field(
        default_factory=lambda: {"application_id": "id", "model_version": "version"}
    )

    @property
    def features(self) -> list[str]:
        """The model's input columns (what slices are cut on and drift is scored for).

        Examples
        --------
        >>> load_demo().features[:3]
        ['channel', 'region', 'age']
        """
        outputs = {"application_id", self.time, "score", "shadow_score", "prediction"}
        outputs |= {"latency_ms", "shadow_latency_ms", "model_version"}
        return [c for c in self.production.columns if c not in outputs]

    def __repr__(self) -> str:
        return (
            f"DemoData(reference={self.reference.shape}, production={self.production.shape}, "
            f"labels={self.labels.shape}, as_of={self.as_of})"
        )


def _day_text(day: int) -> str:
    """'day 46 (2024-04-16)'."""
    return f"day {day} ({(PRODUCTION_START + pd.Timedelta(days=day)).date()})"


def _scenarios() -> dict[str, str]:
    spikes = ", ".join(_day_text(d) for d in LATENCY_SPIKE_DAYS)
    return {
        "credit_score": (
            f"gradual drift: the mean falls steadily from {_day_text(CREDIT_DRIFT_START)} to "
            f"{_CREDIT_DRIFT:g} reference std lower on {_day_text(PRODUCTION_DAYS - 1)}"
        ),
        "income": (
            f"pipeline break: recorded in thousands (divided by 1000) on "
            f"{_day_text(INCOME_BREAK_DAY)} only"
        ),
        "employment_years": (
            f"pipeline break: all missing on {_day_text(EMPLOYMENT_NULL_DAY)} only "
            "(about 2 % missing otherwise)"
        ),
        "card_spend_7d": (
            f"weekly seasonality: about {_WEEKEND_SPEND:g}x higher on Saturdays and Sundays, the "
            "same in the reference; fixed thresholds flag nearly every day (critical on "
            "weekends), thresholds learned from daily reference chunks raise no critical alert"
        ),
        "debt_to_income": (
            f"segment-local shift: up by {_PARTNER_DTI_SHIFT:g} from "
            f"{_day_text(PARTNER_SHIFT_START)} in channel 'partner' only (diluted overall)"
        ),
        "defaulted": (
            f"concept drift: from {_day_text(CONCEPT_DRIFT_START)} applicants under "
            f"{_YOUNG_AGE:g} default more often with no change in their inputs; the live "
            "model's performance falls once their labels arrive"
        ),
        "shadow_score": (
            "follows its inputs like score, and from "
            f"{_day_text(CONCEPT_DRIFT_START)} also captures most of the new risk of applicants "
            f"under {_YOUNG_AGE:g}, so it is better calibrated there than score"
        ),
        "latency_ms": f"latency spikes (about 2.7x) on {spikes}",
        "shadow_latency_ms": (
            f"the shadow model's latency: about {_SHADOW_SLOWER - 1:.0%} slower than latency_ms "
            "at the median, with the same spikes"
        ),
        "region": (
            f"new value 'overseas' (about {_OVERSEAS_SHARE:.0%}) from {_day_text(OVERSEAS_START)}"
        ),
        "model_version": f"'1.4.0' becomes '1.4.1' from {_day_text(VERSION_SWITCH_DAY)}",
        "score": (
            "follows its inputs (prediction likewise): rises with the credit_score drift and "
            f"the partner debt_to_income shift, and jumps on {_day_text(INCOME_BREAK_DAY)} "
            "because the model scored the broken income"
        ),
    }


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _risk_logit(
    credit_score: np.ndarray,
    debt_to_income: np.ndarray,
    income: np.ndarray,
    loan_amount: np.ndarray,
    employment_years: np.ndarray,
    num_open_accounts: np.ndarray,
    channel: np.ndarray,
) -> np.ndarray:
    """Default log-odds from the features, with the model's imputation and input clipping.

    On the true inputs this is the truth (before the concept drift); on the logged inputs,
    what the live model computes.
    """
    employment = np.where(np.isnan(employment_years), 5.0, employment_years)  # median imputation
    log_income = np.log(np.clip(income, 15_000.0, 400_000.0) / 55_000.0)
    loan_ratio = np.clip(loan_amount / np.maximum(income, 1.0), 0.0, 2.0)
    channel_effect = np.select([channel == "branch", channel == "partner"], [-0.25, 0.30], 0.0)
    return (
        -2.2
        - 0.95 * (credit_score - _CREDIT_MEAN) / _CREDIT_STD
        + 3.0 * (debt_to_income - 0.3)
        - 0.35 * log_income
        + 0.9 * (loan_ratio - 0.35)
        - 0.05 * (employment - 5.0)
        + 0.06 * (num_open_accounts - 4.0)
        + channel_effect
    )


def load_demo(seed: int = 0, labels_as_of: str | pd.Timestamp | None = None) -> DemoData:
    """Build the demo data set: a credit-risk model's reference, production and labels.

    Pure numpy/pandas, no network, nothing cached: the same ``seed`` gives identical frames
    (``numpy.random.default_rng(seed)`` drives every draw), in a fraction of a second.
    Production is drawn from the same process as the reference (rows i.i.d. given their
    day), so only the scenarios in :attr:`DemoData.scenarios` change anything. With the
    default seed, daily drift windows under the default thresholds show each of them and
    nothing else; other seeds may show a rare stray warning, at the engine's false-alarm
    rate.

    The true default probability is a logistic function of the applicant's features; the
    live ``score`` is that function (as computed from the logged, possibly broken, inputs)
    plus model error, and ``shadow_score`` a challenger with similar error. Days below are
    0-based production days (day 0 is 2024-03-01), as the ``window`` index of
    ``drift_over_time(..., window="1D")``:

    - ``credit_score``: mean falls steadily from day 30 (2024-03-31) to 0.5 reference std
      lower on day 89.
    - ``income``: divided by 1000 (recorded in thousands) on day 46 (2024-04-16) only.
    - ``employment_years``: all missing on day 38 (2024-04-08) only.
    - ``card_spend_7d``: 1.5x higher on weekends, in reference and production alike. Each
      day compared with the whole reference alerts under the fixed default thresholds;
      thresholds from :func:`~mlmon_widgets.suggest_thresholds` on daily reference chunks
      do not (no critical alert; warnings about as often as their stated false-alarm rate).
    - ``debt_to_income``: up by 0.07 (about 0.5 std) in channel ``'partner'`` (12 % of
      rows) only, from day 60 (2024-04-30): clear within the segment, diluted overall.
    - ``defaulted`` (in ``labels``): from day 55 (2024-04-25) applicants under 30 default
      more often with no change in their inputs (concept drift); ``shadow_score``
      captures most of it, ``score`` does not. Only some of those labels have arrived.
    - ``latency_ms``: spikes on days 18, 52 and 75 (the last with the version roll-out);
      ``shadow_latency_ms`` about 12 % slower at the median, with the same spikes.
    - ``region``: ``'overseas'`` (about 5 %) from day 70 (2024-05-10).
    - ``model_version``: ``'1.4.1'`` from day 75 (2024-05-15).
    - ``score``, ``shadow_score``, ``prediction``: follow their inputs (the credit_score
      drift, the partner shift, and a jump on day 46 because the model scored the broken
      income).

    Parameters
    ----------
    seed : int, default 0
        Seed of the random generator; other seeds give other draws of the same scenarios.
    labels_as_of : str or pandas.Timestamp, optional
        Look at the labels later than the production's end (``as_of``, 2024-05-30): the
        same rows and draws, with every label that has arrived by then (labels arrive 20
        to 40 days after the prediction, so from 2024-07-09 every label is in). ``as_of``
        stays the end of production.

    Returns
    -------
    DemoData
        Reference (60 days), production (90 days), labels, ``as_of`` and the scenario
        descriptions; see :class:`DemoData` for the columns.

    Examples
    --------
    >>> from mlmon_widgets.datasets import load_demo
    >>> demo = load_demo(seed=0)
    >>> list(demo.production.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['application_id', 'timestamp', 'channel', 'region', 'age', 'income', 'loan_amount',
     'debt_to_income', 'credit_score', 'employment_years', 'num_open_accounts',
     'card_spend_7d', 'score', 'shadow_score', 'prediction', 'latency_ms', 'shadow_latency_ms',
     'model_version']
    >>> days = [frame["timestamp"].dt.normalize() for frame in (demo.reference, demo.production)]
    >>> [d.nunique() for d in days], [str(d.iloc[-1].date()) for d in days]
    ([60, 90], ['2024-02-29', '2024-05-29'])
    >>> demo.production["timestamp"].min(), demo.as_of
    (Timestamp('2024-03-01 00:...'), Timestamp('2024-05-30 00:00:00'))
    >>> list(demo.labels.columns)
    ['application_id', 'defaulted', 'label_time']
    >>> print(demo.scenarios["income"])
    pipeline break: recorded in thousands (divided by 1000) on day 46 (2024-04-16) only
    """
    rng = np.random.default_rng(seed)
    n_days = REFERENCE_DAYS + PRODUCTION_DAYS
    first_day = PRODUCTION_START - pd.Timedelta(days=REFERENCE_DAYS)
    day_starts = pd.date_range(first_day, periods=n_days, freq="D")
    dow = day_starts.day_of_week.to_numpy()

    # --- volume and timestamps -----------------------------------------------------------
    counts = rng.poisson(ROWS_PER_DAY * _WEEKLY_VOLUME[dow])
    n = int(counts.sum())
    day = np.repeat(np.arange(n_days) - REFERENCE_DAYS, counts)  # production day, <0: reference
    hour = rng.choice(24, size=n, p=_HOURLY / _HOURLY.sum())
    seconds = hour * 3600 + rng.integers(0, 3600, size=n)
    start_ns = np.repeat(day_starts.to_numpy().astype("datetime64[ns]").astype(np.int64), counts)
    stamp_ns = start_ns + seconds.astype(np.int64) * 1_000_000_000
    order = np.lexsort((seconds, day))  # time order within each day (days are already in order)
    stamp_ns = stamp_ns[order]
    timestamp = stamp_ns.view("datetime64[ns]")
    weekend = np.repeat(dow >= 5, counts)
    production = day >= 0

    # --- applicant features (i.i.d. given the day) -----------------------------------------
    channel = _CHANNELS[rng.choice(3, size=n, p=_CHANNEL_P)]
    region = _REGIONS[rng.choice(len(_REGIONS), size=n, p=_REGION_P)]
    overseas = (day >= OVERSEAS_START) & (rng.random(n) < _OVERSEAS_SHARE)
    region = np.where(overseas, "overseas", region).astype(object)
    age = np.round(np.clip(rng.normal(41.0, 12.0, n), 18.0, 80.0), 1)
    log_income = (
        np.log(52_000.0)
        + 0.012 * (age - 41.0)
        - 0.0004 * (age - 41.0) ** 2
        + rng.normal(0, 0.45, n)
    )
    income = np.round(np.exp(log_income), 0)
    loan_amount = np.round(income * np.exp(rng.normal(np.log(0.3), 0.45, n)), -1)
    loan_amount = np.where(channel == "partner", np.round(loan_amount * 0.6, -1), loan_amount)
    debt_to_income = np.round(rng.beta(2.6, 6.0, n), 4)
    credit_z = rng.normal(0.0, 1.0, n)
    drift = np.clip((day - CREDIT_DRIFT_START) / (PRODUCTION_DAYS - 1 - CREDIT_DRIFT_START), 0, 1)
    credit_z = credit_z + 0.15 * (age - 41.0) / 12.0 - _CREDIT_DRIFT * drift
    credit_score = np.clip(np.round(_CREDIT_MEAN + _CREDIT_STD * credit_z), 300.0, 850.0)
    employment_years = np.round(np.minimum(rng.gamma(2.0, 3.0, n), age - 16.0), 1)
    employment_years[rng.random(n) < 0.02] = np.nan
    num_open_accounts = rng.poisson(2.5 + 0.04 * (age - 18.0)).astype(np.int64)
    card_spend_7d = np.round(
        np.exp(rng.normal(np.log(320.0), 0.55, n)) * np.where(weekend, _WEEKEND_SPEND, 1.0), 2
    )
    partner_shift = production & (day >= PARTNER_SHIFT_START) & (channel == "partner")
    debt_to_income = debt_to_income + np.where(partner_shift, _PARTNER_DTI_SHIFT, 0.0)

    # --- truth, then the logged (possibly broken) inputs and the model scores -------------
    true_logit = _risk_logit(
        credit_score,
        debt_to_income,
        income,
        loan_amount,
        employment_years,
        num_open_accounts,
        channel,
    )
    young_risk = ((day >= CONCEPT_DRIFT_START) & (age < _YOUNG_AGE)) * _YOUNG_UPLIFT
    defaulted = rng.random(n) < _sigmoid(true_logit + young_risk)

    income_logged = np.where(day == INCOME_BREAK_DAY, np.round(income / 1000.0, 3), income)
    employment_logged = np.where(day == EMPLOYMENT_NULL_DAY, np.nan, employment_years)
    model_logit = _risk_logit(
        credit_score,
        debt_to_income,
        income_logged,
        loan_amount,
        employment_logged,
        num_open_accounts,
        channel,
    )
    error = rng.normal(0.0, 0.35, (2, n))
    score = _sigmoid(model_logit + error[0])
    shadow_error = 0.7 * error[0] + np.sqrt(1 - 0.7**2) * error[1]
    shadow_score = _sigmoid(model_logit + shadow_error + _SHADOW_CAPTURE * young_risk)

    latency = np.exp(rng.normal(np.log(45.0), 0.35, n))
    spike = np.isin(day, LATENCY_SPIKE_DAYS)
    latency = np.round(np.where(spike, latency * np.exp(rng.normal(1.0, 0.3, n)), latency), 1)
    model_version = np.where(day >= VERSION_SWITCH_DAY, "1.4.1", "1.4.0").astype(object)

    ids = np.array([f"A{i:06d}" for i in range(1, n + 1)], dtype=object)
    frame = pd.DataFrame(
        {
            "application_id": ids,
            "timestamp": timestamp,
            "channel": channel,
            "region": region,
            "age": age,
            "income": income_logged,
            "loan_amount": loan_amount,
            "debt_to_income": debt_to_income,
            "credit_score": credit_score,
            "employment_years": employment_logged,
            "num_open_accounts": num_open_accounts,
            "card_spend_7d": card_spend_7d,
            "score": score,
            "shadow_score": shadow_score,
            "prediction": score > DECISION_THRESHOLD,
            "latency_ms": latency,
            "model_version": model_version,
        }
    )
    split = int(counts[:REFERENCE_DAYS].sum())
    reference = frame.iloc[:split].reset_index(drop=True)
    production_frame = frame.iloc[split:].reset_index(drop=True)

    # --- delayed labels --------------------------------------------------------------------
    as_of = PRODUCTION_START + pd.Timedelta(days=PRODUCTION_DAYS)
    delay_ns = (rng.uniform(20.0, 40.0, n) * 86_400).astype(np.int64) * 1_000_000_000
    label_ns = stamp_ns + delay_ns
    horizon = as_of if labels_as_of is None else pd.Timestamp(labels_as_of)
    if horizon < as_of:
        raise ValueError(f"labels_as_of must not be before the end of production ({as_of.date()})")
    arrived = label_ns <= horizon.value
    labels = pd.DataFrame(
        {
            "application_id": ids[arrived],
            "defaulted": defaulted[arrived],
            "label_time": label_ns[arrived].view("datetime64[ns]"),
        }
    )
    labels = labels.sort_values("label_time", kind="stable").reset_index(drop=True)

    # --- the shadow model's latency (drawn last, so every other column stays as it was) --
    # Same traffic, same spikes (shared infrastructure), a heavier model: about 12 % slower,
    # correlated with the live latency row by row (the same request's payload).
    own = rng.normal(0.0, 0.1, n)
    shadow_latency = np.exp(np.log(np.maximum(latency, 0.1)) + np.log(_SHADOW_SLOWER) + own)
    shadow_latency = np.round(shadow_latency, 1)
    reference.insert(
        reference.columns.get_loc("latency_ms") + 1, "shadow_latency_ms", shadow_latency[:split]
    )
    production_frame.insert(
        production_frame.columns.get_loc("latency_ms") + 1,
        "shadow_latency_ms",
        shadow_latency[split:],
    )
    return DemoData(
        reference=reference,
        production=production_frame,
        labels=labels,
        as_of=as_of,
        scenarios=_scenarios(),
    )
