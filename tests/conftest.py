"""Make the repository root importable however pytest is started (no install needed)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import subprocess  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import pytest  # noqa: E402


@dataclass(frozen=True)
class QuickSite:
    """What the `quick_site` fixture ran: paths, the commit and the quick run's wall time."""

    config: Path
    results_dir: Path
    html_dir: Path
    commit: str
    run: subprocess.CompletedProcess
    run_seconds: float


@pytest.fixture(scope="session")
def quick_site(tmp_path_factory):
    """The whole asv suite, run once per session for real, then published; a `QuickSite`.

    `asv machine` (adds machine "ntb-test" to ~/.asv-machine.json), then
    `asv run --quick -E existing:<this python> --set-commit-hash HEAD` with
    NTB_SIZES=small, then `asv publish`, all with a temporary config from
    `asv_run.write_config` (the repo's .asv/ and html/ are never touched).
    Failed benchmarks do not fail the fixture (asv's rc 2 is accepted): read
    them from the results file with `asv_run.outcomes`; `site.run` is the
    CompletedProcess of `asv run` (its stdout has asv's stderr of each
    benchmark). Treat everything as read-only: other test files share it.
    """
    import asv_run

    directory = tmp_path_factory.mktemp("asv-quick")
    config = asv_run.write_config(directory)
    commit = asv_run.git_head()
    asv_run.add_machine(config)
    start = time.perf_counter()
    run = asv_run.run(config, commit, env={"NTB_SIZES": "small"}, timeout=1800)
    seconds = time.perf_counter() - start
    asv_run.publish(config)
    return QuickSite(
        config=config,
        results_dir=asv_run.conf_value(config, "results_dir"),
        html_dir=asv_run.conf_value(config, "html_dir"),
        commit=commit,
        run=run,
        run_seconds=seconds,
    )
