"""Sequential rounds (ntb_site.suite.more_rounds) on the real Modes results of tests/data/modes_results
(4 rounds per timing), cut to 2 rounds where a test needs the main job's first pass."""

import dataclasses
import re
from pathlib import Path

import kernels
from ntb_site.answers import advisor
from ntb_site.suite import more_rounds

DATA = Path(__file__).parent / "data" / "modes_results"


def with_rounds(advice, count, scale=None):
    """`advice` with every mode's rounds cut to `count`; `scale` {mode: factor} rescales modes."""
    kernels = {}
    for name, kernel in advice.kernels.items():
        curves = {
            mode: dataclasses.replace(
                curve,
                rounds={s: [v * (scale or {}).get(mode, 1.0) for v in r[:count]] for s, r in curve.rounds.items()},
            )
            for mode, curve in kernel.curves.items()
        }
        kernels[name] = dataclasses.replace(kernel, curves=curves)
    return dataclasses.replace(advice, kernels=kernels)


def test_decidable_rounds_need_nothing_more():
    assert more_rounds.undecided(advisor.load(DATA)) == []


def test_two_rounds_get_more_only_where_the_lead_can_pass_the_margin():
    advice = advisor.load(DATA)
    found = {(kernel, size): modes for kernel, size, modes in more_rounds.undecided(with_rounds(advice, 2))}
    assert found[("kde", 10_000)] == sorted(kernels.MODES["kde"])  # numpy 21.6 us against parallel 28.9 us: 1.34x
    # make parallel a twin of numpy (within 10 %): no number of rounds could make kde at 1e4 clear
    close = with_rounds(advice, 2, scale={"parallel": 21.6 / 28.9 * 1.05})
    assert ("kde", 10_000) not in {(kernel, size) for kernel, size, _ in more_rounds.undecided(close)}


def test_only_the_modes_with_too_few_rounds_get_more():
    """The main job's 1e6: 4 rounds of the release step beside 2 of the Dask modes, which
    alone keep the answer from being clear."""
    advice = advisor.load(DATA)
    dask = {"dask", "distributed"}
    kde = advice.kernels["kde"]
    curves = {
        mode: dataclasses.replace(curve, rounds={s: r[:2] if mode in dask else r for s, r in curve.rounds.items()})
        for mode, curve in kde.curves.items()
    }
    cut = dataclasses.replace(advice, kernels={"kde": dataclasses.replace(kde, curves=curves)})
    found = {(kernel, size): modes for kernel, size, modes in more_rounds.undecided(cut)}
    leads = [size for size in kde.sizes if kde.best(size).clear]
    assert leads and all(found[("kde", size)] == sorted(dask) for size in leads)
    patterns = [re.compile(regex) for regex in more_rounds.selectors("kde", leads[0], sorted(dask))]
    top = kernels.max_threads()
    assert any(p.search(f"kde.Modes.time_kernel({leads[0]}, 'dask', {top})") for p in patterns)
    assert not any(p.search(f"kde.Modes.time_kernel({leads[0]}, 'prange', {top})") for p in patterns)


def test_selectors_match_the_advisors_timings_of_that_size_only():
    patterns = [re.compile(regex) for regex in more_rounds.selectors("kde", 10_000)]

    def selected(name: str) -> bool:
        return any(p.search(name) for p in patterns)

    top = kernels.max_threads()
    assert selected("kde.Modes.time_kernel(10000, 'numpy', 1)")
    assert selected(f"kde.Modes.time_kernel(10000, 'prange', {top})")
    assert not selected("kde.Modes.time_kernel(100000, 'numpy', 1)")
    assert not selected("gaussians.Modes.time_kernel(10000, 'numpy', 1)")
    assert not selected("kde.Modes.time_kernel(10000, 'numpy', 2)")  # n/a: never spawned


def test_cli(capsys, tmp_path):
    assert more_rounds.main(["--results", str(DATA)]) == 0
    assert capsys.readouterr().out == ""
    assert more_rounds.main(["--results", str(tmp_path)]) == 2
