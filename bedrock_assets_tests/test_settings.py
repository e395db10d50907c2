"""Settings come from BEDROCK_ASSETS_* variables, with a clear error for a bad value."""

import pytest

from bedrock_assets.settings import SettingsError, load_settings


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
    ],
)
def test_invalid_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError, match=var):
        load_settings()


def test_inconsistent_quotas_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEDROCK_ASSETS_MIN_RECORDS_PER_JOB", "600")
    monkeypatch.setenv("BEDROCK_ASSETS_MAX_RECORDS_PER_JOB", "500")
    with pytest.raises(SettingsError, match="min_records_per_job"):
        load_settings()
