"""Settings come from BEDROCK_ASSETS_* variables, with a clear error for a bad value."""

import pytest

from bedrock_assets.settings import SettingsError, UnknownSettingWarning, load_settings


def test_defaults_are_the_embedded_local_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(__import__("os").environ):
        if key.startswith("BEDROCK_ASSETS_"):
            monkeypatch.delenv(key)
    s = load_settings()
    assert s.backend == "local" and s.min_records_per_job == 100
    assert s.max_records_per_job == 50_000 and s.max_concurrent_jobs == 10
    assert s.bucket == "bedrock-assets-local" and s.input_prefix == "batch-input"
    assert s.ledger_url is None and s.ledger_path == s.data_root / "state" / "ledger.sqlite"


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEDROCK_ASSETS_BACKEND", "aws")
    monkeypatch.setenv("BEDROCK_ASSETS_BUCKET", "my-bucket")
    monkeypatch.setenv("BEDROCK_ASSETS_ROLE_ARN", "arn:aws:iam::111122223333:role/BatchRole")
    monkeypatch.setenv("BEDROCK_ASSETS_MAX_CONCURRENT_JOBS", "20")
    monkeypatch.setenv("BEDROCK_ASSETS_INPUT_PREFIX", "/in/")
    s = load_settings()
    assert (s.backend, s.bucket, s.max_concurrent_jobs, s.input_prefix) == (
        "aws",
        "my-bucket",
        20,
        "in",
    )


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("BEDROCK_ASSETS_BACKEND", "azure"),
        ("BEDROCK_ASSETS_MAX_CONCURRENT_JOBS", "ten"),
        ("BEDROCK_ASSETS_MAX_CONCURRENT_JOBS", "0"),
        ("BEDROCK_ASSETS_BUCKET", "Not_A_Bucket"),
        ("BEDROCK_ASSETS_TIMEOUT_DURATION_HOURS", "12"),
        ("BEDROCK_ASSETS_INPUT_PREFIX", "with=equals"),
        ("BEDROCK_ASSETS_GUARDRAIL_ID", "Has-Upper"),
        ("BEDROCK_ASSETS_SENSOR_MAX_SUBMITS_PER_TICK", str(2**63)),
        ("BEDROCK_ASSETS_MAX_CONCURRENT_JOBS", str(2**63)),
        ("BEDROCK_ASSETS_LOCAL_FAULTS", "job_failure=2"),
        ("BEDROCK_ASSETS_LOCAL_FAULTS", "meteor_strike=0.1"),
        ("BEDROCK_ASSETS_PARTITIONS_START_DATE", "2024-13-45"),
        ("BEDROCK_ASSETS_PARTITIONS_START_DATE", "2999-01-01"),
        ("BEDROCK_ASSETS_BELOW_MINIMUM_WAIT_HOURS", "1e9"),
        ("BEDROCK_ASSETS_RETRY_BACKOFF_SECONDS", "inf"),
        ("BEDROCK_ASSETS_RETRY_BACKOFF_SECONDS", "nan"),
        ("BEDROCK_ASSETS_TABLES_PREFIX", "../x"),
        ("BEDROCK_ASSETS_LANDING_PREFIX", "a//b"),
        ("BEDROCK_ASSETS_ROLE_ARN", "not-an-arn"),
        ("BEDROCK_ASSETS_LEDGER_URL", "not a url"),
        ("BEDROCK_ASSETS_COLLECT_STALL_SECONDS", "0"),
        ("BEDROCK_ASSETS_SUBMIT_LEASE_SECONDS", "0"),
        ("BEDROCK_ASSETS_COLLECT_LEASE_SECONDS", "-5"),
        ("BEDROCK_ASSETS_CRASHPOINT", "somewhere"),
        ("BEDROCK_ASSETS_REGION", "mars"),
    ],
)
def test_invalid_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError, match=var):
        load_settings()


def test_inconsistent_quotas_name_both_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEDROCK_ASSETS_MIN_RECORDS_PER_JOB", "600")
    monkeypatch.setenv("BEDROCK_ASSETS_MAX_RECORDS_PER_JOB", "500")
    with pytest.raises(SettingsError) as exc:
        load_settings()
    assert "BEDROCK_ASSETS_MIN_RECORDS_PER_JOB (600)" in str(exc.value)
    assert "BEDROCK_ASSETS_MAX_RECORDS_PER_JOB (500)" in str(exc.value)


@pytest.mark.parametrize(
    ("extra", "var"),
    [
        ({}, "BEDROCK_ASSETS_ROLE_ARN"),  # the placeholder role cannot run a job
        ({"BEDROCK_ASSETS_ROLE_ARN": "arn:aws:iam::111122223333:role/R"}, "BEDROCK_ASSETS_BUCKET"),
    ],
)
def test_aws_mode_refuses_the_local_placeholders(
    monkeypatch: pytest.MonkeyPatch, extra: dict[str, str], var: str
) -> None:
    monkeypatch.setenv("BEDROCK_ASSETS_BACKEND", "aws")
    for key, value in extra.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError, match=var):
        load_settings()


def test_a_misspelled_variable_is_reported_with_the_closest_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BEDROCK_ASSETS_MAX_RECORD_ATTEMPS", "3")
    monkeypatch.setenv("BEDROCK_ASSETS_NOT_EVEN_CLOSE_TO_ANYTHING", "1")
    with pytest.warns(UnknownSettingWarning) as caught:
        load_settings()
    messages = sorted(str(w.message) for w in caught)
    assert "did you mean BEDROCK_ASSETS_MAX_RECORD_ATTEMPTS?" in messages[0]
    assert (
        "BEDROCK_ASSETS_NOT_EVEN_CLOSE_TO_ANYTHING is not a bedrock_assets setting" in messages[1]
    )


def test_the_local_fault_keys_are_the_engines() -> None:
    from bedrock_assets.settings import LOCAL_FAULT_KEYS
    from bedrock_local.config import FAULT_KEYS

    assert LOCAL_FAULT_KEYS == FAULT_KEYS


@pytest.mark.parametrize(
    ("timezone", "utc_now", "newest"),
    [
        # New York's evening is already tomorrow in UTC: yesterday in UTC is not a partition.
        ("America/New_York", "2026-12-06T02:41:00", "2026-12-04"),
        ("America/New_York", "2026-12-06T13:00:00", "2026-12-05"),
        # Tokyo's morning is still yesterday in UTC.
        ("Asia/Tokyo", "2026-12-05T20:00:00", "2026-12-05"),
        ("UTC", "2026-12-06T00:00:01", "2026-12-05"),
    ],
)
def test_the_newest_partition_is_yesterday_where_the_call_center_is(
    monkeypatch: pytest.MonkeyPatch, timezone: str, utc_now: str, newest: str
) -> None:
    """The demo and the UI tour pick their days here; Dagster must know each of them."""
    from datetime import UTC, datetime

    from bedrock_assets.defs.partitions import daily_partitions

    monkeypatch.setenv("BEDROCK_ASSETS_SCHEDULE_TIMEZONE", timezone)
    monkeypatch.setenv("BEDROCK_ASSETS_PARTITIONS_START_DATE", "2026-11-01")
    settings = load_settings()
    now = datetime.fromisoformat(utc_now).replace(tzinfo=UTC)
    days = settings.recent_partitions(2, now=now)
    assert days[-1] == newest
    keys = daily_partitions(settings.first_partition, timezone).get_partition_keys(now)
    assert keys[-2:] == days


def test_a_day_that_has_not_ended_is_no_partition_and_says_which_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BEDROCK_ASSETS_PARTITIONS_START_DATE", "2024-01-01")
    settings = load_settings()
    today = settings.local_today().isoformat()
    assert "BEDROCK_ASSETS_SCHEDULE_TIMEZONE" in (settings.not_a_partition(today) or "")
    assert "BEDROCK_ASSETS_PARTITIONS_START_DATE" in (settings.not_a_partition("2023-12-31") or "")
    assert settings.not_a_partition(settings.recent_partitions(1)[0]) is None
