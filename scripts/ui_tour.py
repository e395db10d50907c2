"""The Dagster UI, proven and pictured: ``make pictures``.

Starts ``dagster dev`` on a throwaway instance, lands two sample days, launches a partition
backfill of every asset for both days exactly as the UI's "Materialize all" does (GraphQL
``launchPartitionBackfill``), waits for the backfill's final status and checks that every
asset of both days is materialized, then renders screenshots of the lineage, a day's
assets, the sensor, the backfill and the cost plot with headless Chromium into
``docs/images/``. Exits non-zero if the backfill does not end COMPLETED_SUCCESS.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from websockets.sync.client import connect

from bedrock_assets.defs.jobs import COLLECT, PREPARE
from bedrock_assets.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOCATION = "bedrock_assets"
ASSETS = PREPARE + COLLECT  # every asset: what the UI's "Materialize all" selects
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--hide-scrollbars",
)

LAUNCH = """
mutation($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
    ... on UnauthorizedError { message }
  }
}"""
STATUS = """
query($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill { status numPartitions }
    ... on PythonError { message }
  }
}"""
MATERIALIZED = """
query($key: AssetKeyInput!) {
  assetNodeOrError(assetKey: $key) {
    ... on AssetNode { partitionStats { numMaterialized } }
  }
}"""


def graphql(port: int, query: str, variables: dict) -> dict:
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read())
    if answer.get("errors"):
        raise SystemExit(f"GraphQL error: {answer['errors'][0].get('message')}")
    return answer["data"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_server(port: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit("dagster dev exited before its webserver came up")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5)
            return
        except OSError:
            time.sleep(2)
    raise SystemExit(f"the webserver did not answer within {timeout:.0f}s")


def launch_backfill(port: int, days: list[str]) -> str:
    params = {
        "partitionNames": days,
        "assetSelection": [{"path": [name]} for name in ASSETS],
        "fromFailure": False,
        "title": "ui tour: materialize all",
    }
    answer = graphql(port, LAUNCH, {"params": params})["launchPartitionBackfill"]
    if answer["__typename"] != "LaunchBackfillSuccess":
        raise SystemExit(f"launchPartitionBackfill: {answer}")
    return str(answer["backfillId"])


def wait_for_backfill(port: int, backfill_id: str, timeout: float) -> str:
    deadline, status, last = time.time() + timeout, "REQUESTED", ""
    while time.time() < deadline:
        status = graphql(port, STATUS, {"id": backfill_id})["partitionBackfillOrError"]["status"]
        if status != last:
            print(f"  backfill {backfill_id}: {status}", flush=True)
            last = status
        if status not in ("REQUESTED", "CANCELING", "FAILING"):
            return str(status)
        time.sleep(3)
    return f"TIMED OUT ({status})"


def materialized(port: int, asset: str) -> int:
    node = graphql(port, MATERIALIZED, {"key": {"path": [asset]}})["assetNodeOrError"]
    return int((node.get("partitionStats") or {}).get("numMaterialized") or 0)


class Browser:
    """Headless Chromium over the DevTools protocol: open a page, click, capture."""

    def __init__(self, chromium: str, width: int = 1600, height: int = 1000) -> None:
        self.profile = tempfile.mkdtemp(prefix="chromium-")
        port = free_port()
        self.process = subprocess.Popen(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={self.profile}",
                f"--remote-debugging-port={port}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
                    pages = [t for t in json.loads(r.read()) if t.get("type") == "page"]
                if pages:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise SystemExit("chromium's DevTools endpoint did not come up")
            time.sleep(0.5)
        self.socket = connect(pages[0]["webSocketDebuggerUrl"], max_size=None, legacy=True)
        self.next_id = 0
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def call(self, method: str, **params: object) -> dict:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise SystemExit(f"{method}: {message['error']}")
                return dict(message.get("result", {}))

    def evaluate(self, script: str) -> object:
        result = self.call("Runtime.evaluate", expression=script, returnByValue=True)
        return result.get("result", {}).get("value")

    def open(self, url: str, settle: float) -> None:
        self.call("Page.navigate", url=url)
        time.sleep(settle)

    def click_text(self, selector: str, texts: list[str]) -> int:
        """Click every element matching ``selector`` whose text is one of ``texts``."""
        script = (
            f"(() => {{ let n = 0; const want = {json.dumps(texts)};"
            f" for (const el of document.querySelectorAll({json.dumps(selector)})) {{"
            "   if (want.includes(el.textContent.trim())) { el.click(); n++; } }"
            " return n; })()"
        )
        return int(self.evaluate(script) or 0)

    def capture(self, out: Path) -> None:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        out.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        self.socket.close()
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.profile, ignore_errors=True)


def pictures(chromium: str, port: int, days: list[str], backfill_id: str, out: Path) -> None:
    base = f"http://127.0.0.1:{port}"
    out.mkdir(parents=True, exist_ok=True)
    browser = Browser(chromium)
    try:
        shots: list[tuple[str, str, Callable[[Browser], object] | None]] = [
            ("lineage.png", f"{base}/assets/batch_job_outputs?view=lineage&lineageDepth=4", None),
            ("day_assets.png", f"{base}/assets/guarded_summaries?view=events", None),
            ("batch_jobs.png", f"{base}/assets/bedrock_batch_jobs?view=events", None),
            ("cost_plot.png", f"{base}/assets/token_usage_metrics?view=overview", _plots),
            ("sensor.png", f"{base}/locations/{LOCATION}/sensors/batch_job_slots", None),
            ("backfill.png", f"{base}/runs/b/{backfill_id}?tab=partitions", None),
        ]
        for name, url, action in shots:
            browser.open(url, settle=8)
            if action:
                action(browser)
                time.sleep(4)
            browser.capture(out / name)
            print(f"  {(out / name).relative_to(ROOT)}  <- {url}")
    finally:
        browser.close()


def _plots(browser: Browser) -> None:
    """The metadata section's Plots toggle: numeric metadata over the partitions."""
    browser.evaluate(
        "(() => { for (const el of document.querySelectorAll('button')) {"
        " if (el.textContent.trim() === 'Plots') { el.click();"
        " el.scrollIntoView({block: 'start'}); window.scrollBy(0, -80); return true; } }"
        " return false; })()"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--count", type=int, default=250, help="calls per day")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    parser.add_argument("--no-pictures", action="store_true", help="only prove the backfill")
    parser.add_argument("--work", type=Path, help="instance folder (default: a new temp dir)")
    parser.add_argument(
        "--pictures-only", action="store_true", help="retake pictures of an earlier --work"
    )
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium and not args.no_pictures:
        raise SystemExit("needs Debian's chromium package: apt-get install -y chromium")

    work = args.work or Path(tempfile.mkdtemp(prefix="bedrock-assets-ui-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DAGSTER_HOME": str(work / "dagster_home"),
        "BEDROCK_ASSETS_DATA_ROOT": str(work / "data"),
        "BEDROCK_ASSETS_MAX_RECORDS_PER_JOB": "150",
        "BEDROCK_ASSETS_MAX_CONCURRENT_JOBS": "2",
        "BEDROCK_ASSETS_SENSOR_INTERVAL_SECONDS": "5",
        "BEDROCK_ASSETS_JOBS_POLL_SECONDS": "2",
        "BEDROCK_ASSETS_PARTITIONS_LOOKBACK_DAYS": "14",
    }
    # The newest partitions, cut where the call center is (not yesterday in UTC).
    days = load_settings().recent_partitions(args.days)
    subprocess.run(
        [str(BIN / "python"), "-c", "import bedrock_assets.demo as d; d.ensure_dagster_home()"],
        env=env,
        check=True,
    )
    for day in [] if args.pictures_only else days:
        subprocess.run(
            [str(BIN / "bedrock-assets"), "land-sample", "--date", day, "--count", str(args.count)],
            env=env,
            check=True,
        )
    port = free_port()
    dev = subprocess.Popen(
        [str(BIN / "dagster"), "dev", "-w", str(ROOT / "workspace.yaml"), "-p", str(port)],
        env=env,
        cwd=work,
        stdout=open(work / "dagster-dev.log", "wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_server(port, dev, timeout=300)
        if args.pictures_only:
            backfill_id = (work / "backfill_id").read_text().strip()
            pictures(chromium or "", port, days, backfill_id, args.out)
            return 0
        started = time.time()
        backfill_id = launch_backfill(port, days)
        (work / "backfill_id").write_text(backfill_id)
        print(f"launched backfill {backfill_id} of {len(ASSETS)} assets for {', '.join(days)}")
        status = wait_for_backfill(port, backfill_id, args.timeout)
        counts = {asset: materialized(port, asset) for asset in ASSETS}
        print(f"backfill {status} in {time.time() - started:.0f}s; partitions materialized:")
        for asset, count in counts.items():
            print(f"  {asset:22s} {count}/{len(days)}")
        ok = status == "COMPLETED_SUCCESS" and all(c >= len(days) for c in counts.values())
        if not args.no_pictures:
            pictures(chromium or "", port, days, backfill_id, args.out)
        if not ok:
            print(f"FAILED: see {work / 'dagster-dev.log'}")
            return 1
        return 0
    finally:
        os.killpg(dev.pid, signal.SIGTERM)
        try:
            dev.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
