"""Record ids and every quota boundary of the sharder: exactly at the limit, and one over."""

import json
from pathlib import Path

import pytest

from bedrock_assets.batch.record_ids import RECORD_ID_PATTERN, RecordIdAllocator, record_id
from bedrock_assets.batch.sharding import (
    Quotas,
    RecordTooLargeError,
    Shard,
    encode_model_input,
    line_size,
    plan_and_build,
)

DAY = "2024-08-23"
BODY = json.dumps({"messages": [{"role": "user", "content": "x" * 50}]}).encode()
LINE = line_size(BODY)  # every test record renders to exactly this many bytes


def build(n: int, quotas: Quotas, tmp_path: Path) -> list[Shard]:
    def source():
        return ((DAY, f"t{i}", BODY) for i in range(n))

    return list(plan_and_build(source, DAY, quotas, tmp_path))


def q(**kw: int) -> Quotas:
    base = dict(
        min_records_per_job=1,
        max_records_per_job=1000,
        max_records_per_file=1000,
        max_file_bytes=10**9,
        max_job_bytes=10**9,
    )
    return Quotas(**{**base, **kw})


def test_record_id_is_11_alphanumerics_and_deterministic() -> None:
    rid = record_id(DAY, "830")
    assert RECORD_ID_PATTERN.match(rid)
    assert rid == record_id(DAY, "830")
    assert rid != record_id("2024-08-24", "830")
    ids = {record_id(DAY, str(i)) for i in range(20000)}
    assert len(ids) == 20000


def test_allocator_salts_a_clash_so_ids_stay_unique_within_a_job() -> None:
    alloc = RecordIdAllocator()
    first = alloc.allocate(DAY, "same")
    second = alloc.allocate(DAY, "same")  # the same transcript id twice forces a clash
    assert first != second and RECORD_ID_PATTERN.match(second)


def test_lines_are_valid_batch_records_with_unique_ids(tmp_path: Path) -> None:
    shards = build(250, q(max_records_per_job=100, max_records_per_file=40), tmp_path)
    for shard in shards:
        ids = []
        for f in shard.files:
            for raw in f.path.read_bytes().splitlines():
                rec = json.loads(raw)
                assert set(rec) == {"recordId", "modelInput"}
                ids.append(rec["recordId"])
            assert f.bytes == f.path.stat().st_size
        assert len(ids) == len(set(ids)) == shard.records
        assert [r[0] for r in shard.record_map] == ids
        assert shard.dates == {DAY: shard.records}


@pytest.mark.parametrize(("n", "expected"), [(100, [100]), (101, [51, 50])])
def test_max_records_per_job(tmp_path: Path, n: int, expected: list[int]) -> None:
    shards = build(n, q(max_records_per_job=100), tmp_path)
    assert [s.records for s in shards] == expected
    assert all(not s.below_minimum for s in shards)


@pytest.mark.parametrize(("n", "files"), [(40, [40]), (41, [40, 1])])
def test_max_records_per_file(tmp_path: Path, n: int, files: list[int]) -> None:
    shards = build(n, q(max_records_per_file=40), tmp_path)
    assert len(shards) == 1
    assert [f.records for f in shards[0].files] == files


@pytest.mark.parametrize(("n", "files"), [(5, [5]), (6, [5, 1])])
def test_max_file_bytes(tmp_path: Path, n: int, files: list[int]) -> None:
    shards = build(n, q(max_file_bytes=5 * LINE), tmp_path)
    assert [f.records for f in shards[0].files] == files
    assert all(f.bytes <= 5 * LINE for f in shards[0].files)


@pytest.mark.parametrize(("n", "jobs"), [(8, [8]), (9, [5, 4])])
def test_max_job_bytes(tmp_path: Path, n: int, jobs: list[int]) -> None:
    shards = build(n, q(max_job_bytes=8 * LINE, max_file_bytes=8 * LINE), tmp_path)
    assert [s.records for s in shards] == jobs
    assert all(s.bytes <= 8 * LINE for s in shards)


@pytest.mark.parametrize(("n", "below"), [(100, False), (99, True)])
def test_min_records_per_job(tmp_path: Path, n: int, below: bool) -> None:
    shards = build(n, q(min_records_per_job=100), tmp_path)
    assert len(shards) == 1 and shards[0].below_minimum is below


def test_even_split_keeps_every_job_above_the_minimum(tmp_path: Path) -> None:
    # 250 records, max 200/job: two jobs of 125, never 200 + 50 under a minimum of 100.
    shards = build(250, q(min_records_per_job=100, max_records_per_job=200), tmp_path)
    assert [s.records for s in shards] == [125, 125]
    assert not any(s.below_minimum for s in shards)


def test_infeasible_tail_is_flagged_not_dropped(tmp_path: Path) -> None:
    shards = build(250, q(min_records_per_job=100, max_records_per_job=100), tmp_path)
    assert [s.records for s in shards] == [100, 100, 50]
    assert [s.below_minimum for s in shards] == [False, False, True]


def test_record_larger_than_a_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RecordTooLargeError, match="t0"):
        build(1, q(max_file_bytes=LINE - 1), tmp_path)


def test_shard_ids_are_stable_for_the_same_input(tmp_path: Path) -> None:
    a = [s.shard_id for s in build(150, q(max_records_per_job=100), tmp_path / "a")]
    b = [s.shard_id for s in build(150, q(max_records_per_job=100), tmp_path / "b")]
    assert a == b and len(set(a)) == 2


def test_records_of_earlier_days_keep_their_date_and_id(tmp_path: Path) -> None:
    from bedrock_assets.batch.record_ids import record_id

    def source():
        yield from (("2024-08-21", f"old{i}", BODY) for i in range(3))
        yield from ((DAY, f"t{i}", BODY) for i in range(5))

    shards = list(plan_and_build(source, DAY, q(), tmp_path))
    assert len(shards) == 1 and shards[0].dates == {"2024-08-21": 3, DAY: 5}
    first = shards[0].record_map[0]
    assert first[:3] == (record_id("2024-08-21", "old0"), "2024-08-21", "old0")
    assert shards[0].shard_id.startswith(DAY)


def test_the_day_is_rendered_once_and_its_spool_removed(tmp_path: Path) -> None:
    """The sizing pass spools what it encoded; the writing pass does not render it again."""
    calls = []

    def source():
        calls.append(1)
        return ((DAY, f"t{i}", BODY) for i in range(250))

    shards = list(plan_and_build(source, DAY, q(max_records_per_job=100), tmp_path))
    assert len(calls) == 1
    assert [s.records for s in shards] == [84, 84, 82]
    assert not (tmp_path / "records.spool").exists()


def test_a_deciding_bound_writes_the_same_shards_in_one_pass(tmp_path: Path) -> None:
    from bedrock_assets.batch.sharding import DayBound

    def source():
        return ((DAY, f"t{i}", BODY) for i in range(250))

    quotas = q(max_records_per_job=100)
    spooled = [s.shard_id for s in plan_and_build(source, DAY, quotas, tmp_path / "a")]
    exact = 250 * line_size(BODY)
    deciding = DayBound(250, exact * 3)  # a loose bound the job bytes cannot reach
    assert deciding.decides(quotas)
    one_pass = [
        s.shard_id for s in plan_and_build(source, DAY, quotas, tmp_path / "b", 0, deciding)
    ]
    assert one_pass == spooled and len(spooled) == 3
    # A bound above the job byte quota decides nothing: the day is sized exactly (spooled).
    loose = DayBound(250, quotas.max_job_bytes * 4)
    assert not loose.decides(quotas)
    assert [s.shard_id for s in plan_and_build(source, DAY, quotas, tmp_path / "c", 0, loose)] == (
        spooled
    )


def test_the_line_bound_holds_for_any_text() -> None:
    from bedrock_assets.batch.prepare import line_bound
    from bedrock_assets.prompting.model_families import RequestSpec
    from bedrock_assets.prompting.prompt import load_prompt

    texts = [
        "Customer: My card was charged twice.\nAgent: Let me check that for you.",
        'Customer: The "premium" plan said \\ unlimited \\ data…\tAgent: Right, sorry!',
        "Cliente: ¿Puedo cambiar mi vuelo a São Paulo? 🙂\nAgente: Claro que sí.",
        "Customer: \x07\x1b weird bytes from the export \u2028 and a line separator",
    ]
    for model in ("anthropic.claude-3-haiku-20240307-v1:0", "amazon.nova-lite-v1:0"):
        request = RequestSpec(model_id=model, prompt=load_prompt())
        per_char, empty = line_bound(request)
        for text in texts:
            assert line_size(encode_model_input(request.body(text))) <= empty + per_char * len(text)
