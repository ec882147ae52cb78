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


QUICK_RUN_TIMEOUT_S = 1800


def _reads_quick_run(item) -> bool:
    return "quick_site" in item.fixturenames


def pytest_collection_modifyitems(items):
    """Run the tests that read the quick run last, so the rest overlap it (see `_quick_run`)."""
    items.sort(key=_reads_quick_run)


@pytest.fixture(scope="session", autouse=True)
def _quick_run(request, tmp_path_factory):
    """Start the quick run of the whole suite as the session starts, if a collected test needs it.

    It takes ~75 s of one core; the tests that do not read it run meanwhile on the other.
    Yields (config, commit, process, log, start time), or None; a run still going at the
    end of the session (e.g. under -x) is killed.
    """
    if not any(map(_reads_quick_run, request.session.items)):
        yield None
        return
    import asv_run

    directory = tmp_path_factory.mktemp("asv-quick")
    config = asv_run.write_config(directory)
    commit = asv_run.git_head()
    asv_run.add_machine(config)
    log = directory / "asv-run.log"
    start = time.perf_counter()
    process = asv_run.start_run(config, commit, log, env={"NTB_SIZES": "small"})
    yield config, commit, process, log, start
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def quick_site(_quick_run):
    """The whole asv suite, run once per session for real, then published; a `QuickSite`.

    `asv machine` (adds machine "ntb-test" to ~/.asv-machine.json), then
    `asv run --quick -E existing:<this python> --set-commit-hash HEAD` with
    NTB_SIZES=small, started in the background when the session starts (`_quick_run`),
    then `asv publish`, all with a temporary config from `asv_run.write_config` (the
    repo's .asv/ and html/ are never touched).
    Failed benchmarks do not fail the fixture (asv's rc 2 is accepted): read
    them from the results file with `asv_run.outcomes`; `site.run` is the
    CompletedProcess of `asv run` (its stdout has asv's stderr of each
    benchmark). Treat everything as read-only: other test files share it.
    """
    import asv_run

    config, commit, process, log, start = _quick_run
    returncode = process.wait(timeout=QUICK_RUN_TIMEOUT_S - (time.perf_counter() - start))
    seconds = time.perf_counter() - start
    run = subprocess.CompletedProcess(process.args, returncode, log.read_text(encoding="utf-8"), "")
    if returncode not in (0, 2):
        raise AssertionError(f"asv run exited {returncode}\n{run.stdout}")
    asv_run.publish(config)
    return QuickSite(
        config=config,
        results_dir=asv_run.conf_value(config, "results_dir"),
        html_dir=asv_run.conf_value(config, "html_dir"),
        commit=commit,
        run=run,
        run_seconds=seconds,
    )
