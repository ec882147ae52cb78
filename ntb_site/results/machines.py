"""Every machine of a results directory on its own: its facts, and whether a view's results for
it are old or partial.

asv keeps results per machine (``<results>/<machine>/machine.json`` beside its results
files). The project's pages and terminal views show one machine at a time and never compare
machines; :func:`sections` loads a view's data for each machine with the view's own loader::

    found = machines.sections(results_dir, advisor.load, commit=lambda a: a.commit,
                              items=lambda a: [f"kernel {k}" for k in a.kernels], no_data=advisor.NO_DATA)
    machines.as_json(found, Advice.as_json, {"kernels": {}})   # {"newest_commit", "machines": {name: ...}}

Each :class:`Section` carries the machine's :class:`Facts` (asv's machine.json: CPU, cores,
OS, arch; the SIMD flags the suite recorded in ``environment.Cpu``) and its :class:`Status`
for that view: *old* where the commit the view shows for it is not the site's newest commit
(of any machine), *partial* where it has nothing for the view or lacks an item (a kernel, a
Numba release, a threading layer) the view shows for another machine.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from ntb_site.results import asv_results

T = TypeVar("T")
NOT_RECORDED = "not recorded"
SIMD_FACT = "Cpu.flag"


@dataclass(frozen=True)
class Facts:
    """What asv's machine.json says about a machine, and the SIMD flags the suite recorded on
    it (None: not recorded)."""

    name: str
    cpu: str
    num_cpu: str
    os: str
    arch: str
    simd: list[str] | None

    @property
    def simd_text(self) -> str:
        """``avx2, avx512f``, ``none`` or ``not recorded``."""
        return NOT_RECORDED if self.simd is None else ", ".join(self.simd) or "none"

    def line(self) -> str:
        """``Intel(R) Xeon(R) Processor, 2 CPUs, SIMD avx2, avx512f, Linux 6.1 (x86_64)``."""
        cores = f"{self.num_cpu} CPU{'' if self.num_cpu == '1' else 's'}"
        return f"{self.cpu}, {cores}, SIMD {self.simd_text}, {self.os} ({self.arch})"

    def as_json(self) -> dict[str, Any]:
        """The ``machine_facts`` of a machine's record."""
        return asdict(self)


def facts(results_dir: str | Path, name: str) -> Facts:
    """The facts of machine `name`: machine.json, and the SIMD flags of its newest run that
    recorded them."""
    path = Path(results_dir, name, "machine.json")
    info = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    runs = reversed(asv_results.runs(results_dir, name))
    simd = next((run.environment.facts[SIMD_FACT] for run in runs if SIMD_FACT in run.environment.facts), None)
    recorded = {key: str(info.get(key) or NOT_RECORDED) for key in ("cpu", "num_cpu", "os", "arch")}
    return Facts(name, simd=simd, **recorded)


@dataclass(frozen=True)
class Status:
    """Whether a view's results for one machine are old or partial."""

    commit: str | None
    """The commit the view shows for the machine (None: it has nothing for the view)."""
    newest: str | None
    """The site's newest commit, of any machine."""
    dates: dict[str, int]
    """Commit → date (ms since the epoch), for the notes."""
    missing: list[str]
    """What the view shows for another machine but not for this one (``kernel kde``)."""
    no_data: str = ""
    """The view's message when it has nothing to show."""

    @property
    def old(self) -> bool:
        """The view shows a commit other than the site's newest."""
        return self.commit is not None and self.commit != self.newest

    @property
    def partial(self) -> bool:
        """The view has nothing, or lacks something it shows for another machine."""
        return self.commit is None or bool(self.missing)

    def _commit(self, sha: str | None) -> str:
        date = self.dates.get(sha or "")
        day = f" of {datetime.fromtimestamp(date / 1000, UTC):%Y-%m-%d}" if date else ""
        return f"{(sha or '?')[:8]}{day}"

    def notes(self) -> list[str]:
        """One sentence per problem; empty when the results are current and complete."""
        found = []
        if self.old:
            found.append(
                f"Old results: commit {self._commit(self.commit)}; the site's newest commit, "
                f"{self._commit(self.newest)}, has no such results on this machine."
            )
        if self.commit is None:
            found.append(f"Partial: nothing to show for this machine. {self.no_data}".strip())
        elif self.missing:
            found.append(f"Partial: no {', '.join(self.missing)} on this machine (measured on another).")
        return found

    def as_json(self) -> dict[str, Any]:
        """The ``status`` of a machine's record."""
        return {
            "old": self.old,
            "partial": self.partial,
            "commit": self.commit,
            "newest_commit": self.newest,
            "missing": self.missing,
            "notes": self.notes(),
        }


@dataclass(frozen=True)
class Section(Generic[T]):
    """One machine of a view: its facts, its status and the view's data (None: nothing)."""

    facts: Facts
    status: Status
    data: T | None

    @property
    def name(self) -> str:
        """The asv machine name."""
        return self.facts.name


def newest_commit(results_dir: str | Path) -> tuple[str | None, dict[str, int]]:
    """The site's newest commit (by date, of any machine) and every commit's date."""
    dates = {run.commit: run.date for run in asv_results.runs(results_dir)}
    newest = max(dates, key=lambda sha: (dates[sha], sha), default=None)
    return newest, dates


def sections(
    results_dir: str | Path,
    load: Callable[[str | Path, str], T | None],
    commit: Callable[[T], str],
    items: Callable[[T], Iterable[str]],
    no_data: str = "",
) -> list[Section[T]]:
    """Per machine of `results_dir` (sorted by name): `load(results_dir, machine)`, the
    machine's facts and its status (`commit` of the data, the `items` it covers)."""
    names = asv_results.machines(results_dir)
    loaded = {name: load(results_dir, name) for name in names}
    covered = {name: set(items(data)) if data is not None else set() for name, data in loaded.items()}
    every = set().union(*covered.values())
    newest, dates = newest_commit(results_dir)
    return [
        Section(
            facts(results_dir, name),
            Status(
                None if data is None else commit(data),
                newest,
                dates,
                [] if data is None else sorted(every - covered[name]),
                no_data,
            ),
            data,
        )
        for name, data in loaded.items()
    ]


def default(found: list[Section[Any]]) -> Section[Any] | None:
    """The machine a page opens on: the first with results for it, current ones before old ones,
    complete ones before partial ones."""
    return min(found, key=lambda s: (s.data is None, s.status.old, s.status.partial), default=None)


def find(found: list[Section[T]], name: str) -> Section[T]:
    """The section of machine `name` (KeyError where there is none)."""
    for section in found:
        if section.name == name:
            return section
    raise KeyError(name)


def record(section: Section[T], view: Callable[[T], dict[str, Any]], no_data: dict[str, Any]) -> dict[str, Any]:
    """One machine's record of a view's JSON: the view's record (`no_data` where it has none)
    with ``machine_facts`` and ``status``."""
    data = view(section.data) if section.data is not None else no_data
    return {**data, "machine_facts": section.facts.as_json(), "status": section.status.as_json()}


def as_json(found: list[Section[T]], view: Callable[[T], dict[str, Any]], no_data: dict[str, Any]) -> dict[str, Any]:
    """A view's JSON: ``{"newest_commit", "machines": {name: record}}`` (:func:`record`), and
    the `no_data` message where there is no machine."""
    return {
        "newest_commit": found[0].status.newest if found else None,
        "machines": {s.name: record(s, view, no_data) for s in found},
        **({} if found else {"message": no_data.get("message", "")}),
    }


def unknown(results_dir: str | Path, machine: str | None) -> str | None:
    """The error of a terminal view's ``--machine`` without results; None when it is fine."""
    known = asv_results.machines(results_dir)
    if machine is None or machine in known:
        return None
    return f"--machine {machine!r}: no results for it in {results_dir} (machines: {', '.join(known) or 'none'})"


def listing(found: list[Section[Any]]) -> str:
    """``--list-machines``: one line per machine with its facts, then its notes for the view."""
    lines = []
    for s in found:
        lines.append(f"{s.name}: {s.facts.line()}")
        lines += [f"  {note}" for note in s.status.notes()]
    return "\n".join(lines) if lines else "no machines with results"


def machine_options(
    prog: str, results_dir: str | Path, machine: str | None, list_machines: bool, sections: Callable[[], list]
) -> int | None:
    """The ``--machine`` / ``--list-machines`` part of a terminal view: exit status 2 with the
    error on stderr for a machine without results, 0 after printing `sections()`'s listing,
    None when the view goes on."""
    if error := unknown(results_dir, machine):
        print(f"{prog}: {error}", file=sys.stderr)
        return 2
    if list_machines:
        print(listing(sections()))
        return 0
    return None
