"""asv's virtualenv environments, with their packages installed by uv instead of pip.

The environments are the ones asv's ``virtualenv`` type makes (``python -m virtualenv``,
the same names, so results and pages do not change), but every ``pip install`` asv runs in
them (``wheel``, ``pip``, each matrix package with ``--upgrade``) runs as ``uv pip install``,
and `asv.conf.json`'s install and uninstall commands call ``uv`` too. Installs compile the
bytecode, as pip's do: without it every fresh interpreter (each benchmark round, each
first call) parses its imports again where ``PYTHONDONTWRITEBYTECODE`` is set (numpy's
first call took 625 ms instead of 241 ms). Both resolve the newest releases the pins allow
from PyPI; uv does it in ~1 s per call where pip took 5-10 s, which was most of the main
job's set-up (`docs/figures.md`). uv comes with the ``bench`` extra (`pyproject.toml`): the
one asv runs from finds it beside itself, and anywhere else asv stops with an error naming
the extra.

Selected by ``"environment_type": "virtualenv-uv"`` with this module among the config's
``plugins``.
"""

from __future__ import annotations

from asv import environment
from asv.plugins.virtualenv import Virtualenv

UV_MISSING = "uv not found: install the bench extra (pip install -e '.[bench]') into the Python that runs asv"


def uv_binary() -> str:
    """The uv executable of the Python running asv; EnvironmentUnavailable naming the extra."""
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        raise environment.EnvironmentUnavailable(UV_MISSING) from None


class VirtualenvUv(Virtualenv):
    """`Virtualenv` whose pip calls run as ``uv pip`` against the environment's Python."""

    tool_name = "virtualenv-uv"

    @property
    def name(self) -> str:
        """The name asv's ``virtualenv`` type gives the same environment."""
        return environment.get_env_name(Virtualenv.tool_name, self._python, self._requirements, self._tagged_env_vars)

    def find_executable(self, executable: str) -> str:
        """``uv`` is the one beside asv; the rest are the environment's."""
        return uv_binary() if executable == "uv" else super().find_executable(executable)

    def _run_pip(self, args, **kwargs):
        python = self.find_executable("python")
        compile_bytecode = ["--compile-bytecode"] if args[:1] == ["install"] else []
        return self.run_executable("uv", ["pip", *args, *compile_bytecode, "--python", python], **kwargs)
