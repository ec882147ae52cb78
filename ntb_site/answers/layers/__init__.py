"""Which threading layer, and how many Numba threads per caller, when the program is already
parallel? From the ``concurrency.*`` asv results of the newest commit, one results file per
threading layer of the newest Numba release.

Per kernel, size and launcher (Python threads or Dask's threaded scheduler), for each
number of concurrent callers ``outer``:

- the best (layer, inner Numba threads per caller) of ``concurrency.Callers.time_batch``,
  clear only where it leads the runner-up as the advisor's answers must: per-process rounds
  beyond a 10 % margin with confidence (``ntb_site.statistics.lead``; intervals shown:
  ``ntb_site.statistics.estimate``);
- the naive choice, every caller on all cores in the best layer, and its cost against the
  best (a ratio with its interval; "not clear" where the interval contains 1);
- the best in each layer, and the best nogil chunked pool (``concurrency.Chunked``);
- a rule a user can copy (:class:`Rule`): the layer(s) within noise of the best (not
  clearly behind it, by the same test) at every ``outer``, and the thread rules within
  noise of the best there at every ``outer``.

Per layer, the facts the suite recorded: loaded (``environment.ThreadingLayer``), concurrent
launches serialised or run together (``concurrency.Launches``), where TBB's runtime was
(``concurrency.Loading``), and CPU time beside wall time per batch (``concurrency.CpuTime``).

``asv publish`` writes it as ``layers.html`` (``ntb_site.pages.layers_page``); in the terminal::

    python -m ntb_site.answers.layers [--results .asv/results] [--machine NAME] [--json]
    python -m ntb_site.answers.layers --list-machines    # the machines with results, their facts

Every machine is answered on its own (:func:`per_machine`, ``ntb_site.results.machines``); without
``--machine``, the one with the newest concurrency results. Exit status 2 when there are no
``concurrency`` results (or no such machine).
"""

from ntb_site.answers.layers.analysis import (
    NO_DATA,
    PATTERN,
    Layers,
    analyse,
    answers,
    cpu_points,
    load,
    per_machine,
    pick,
    site_json,
)
from ntb_site.answers.layers.choices import (
    LAYERS,
    NUMBA_MODE,
    THREAD_RULES,
    Answer,
    Choice,
    Option,
    Rule,
    ThreadRule,
    ahead,
    derive_rule,
    fastest,
    layer_rank,
)
from ntb_site.answers.layers.facts import CALLERS, CHUNKED, CPU, FACTS, CpuPoint, LayerFacts, estimates, layer_facts
from ntb_site.answers.layers.text import format_text, main

__all__ = [
    "CALLERS",
    "CHUNKED",
    "CPU",
    "FACTS",
    "LAYERS",
    "NO_DATA",
    "NUMBA_MODE",
    "PATTERN",
    "THREAD_RULES",
    "Answer",
    "Choice",
    "CpuPoint",
    "LayerFacts",
    "Layers",
    "Option",
    "Rule",
    "ThreadRule",
    "ahead",
    "analyse",
    "answers",
    "cpu_points",
    "derive_rule",
    "estimates",
    "fastest",
    "format_text",
    "layer_facts",
    "layer_rank",
    "load",
    "main",
    "per_machine",
    "pick",
    "site_json",
]
