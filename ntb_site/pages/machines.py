"""One section per machine on a project page, with a machine switcher (``ntb_site.results.machines``).

    body = machines.render([(section, machine_body), ...])

Each machine's ``<section class="ntb-machine" data-machine="NAME">`` starts with its facts
(CPU, cores, SIMD, OS, arch) and, where its results are old or partial, the note saying so.
With several machines a row of radio buttons (``.ntb-switcher``) picks the one shown
(``static/site/machines.js``; ``#machine=NAME`` in the address opens that one); without
JavaScript every section shows, one below the other. Chart and anchor ids of a machine's
body take :func:`prefix` so that no two machines share one.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

from ntb_site.results import machines
from ntb_site.results.machines import Section


def prefix(found: Sequence[Section[Any]], section: Section[Any]) -> str:
    """What the ids of `section`'s body start with: nothing on a one-machine site (ids as
    before), else ``NAME/``."""
    return f"{section.name}/" if len(found) > 1 else ""


def facts_chips(section: Section[Any]) -> str:
    """The machine's facts as chips."""
    f = section.facts
    facts = [("machine", f.name), ("CPU", f.cpu), ("cores", f.num_cpu), ("SIMD", f.simd_text), ("OS", f.os)]
    facts.append(("arch", f.arch))
    chips = "".join(f"<span class=ntb-chip>{name} <b>{html.escape(value)}</b></span>" for name, value in facts)
    return f"<div class='ntb-chips ntb-machine-facts'>{chips}</div>"


def _badges(section: Section[Any]) -> str:
    status = section.status
    found = [word for word, flag in (("old", status.old), ("partial", status.partial)) if flag]
    return "".join(f" <span class=ntb-flag>{word}</span>" for word in found)


def switcher(found: Sequence[Section[Any]]) -> str:
    """Radio buttons, one per machine, the default one checked; empty for one machine."""
    if len(found) < 2:
        return ""
    chosen = machines.default(list(found))
    buttons = "".join(
        f"<label><input type=radio name=ntb-machine value='{html.escape(s.name)}'"
        f"{' checked' if s is chosen else ''}> {html.escape(s.name)}{_badges(s)}</label>"
        for s in found
    )
    return f"<form class=ntb-switcher aria-label=machine><span>Machine:</span>{buttons}</form>"


def render(parts: Sequence[tuple[Section[Any], str]]) -> str:
    """The switcher and every machine's section: facts, notes, then its `body` (trusted HTML)."""
    found = [section for section, _ in parts]
    blocks = [switcher(found)]
    for section, body in parts:
        notes = "".join(f"<p class='ntb-flag ntb-machine-note'>{html.escape(n)}</p>" for n in section.status.notes())
        blocks.append(
            f"<section class=ntb-machine data-machine='{html.escape(section.name)}'>"
            f"{facts_chips(section)}{notes}{body}</section>"
        )
    return "\n".join(blocks)


def render_each(
    found: Sequence[Section[Any]], render_machine: Callable[[Any, str], tuple[str, dict[str, Any]]]
) -> tuple[str, dict[str, Any]]:
    """Every machine's section (`render`), its body from ``render_machine(data, chart id
    prefix)`` where the machine has data, and every machine's chart specs together."""
    parts, charts = [], {}
    for section in found:
        body, specs = render_machine(section.data, prefix(found, section)) if section.data else ("", {})
        parts.append((section, body))
        charts.update(specs)
    return render(parts), charts
