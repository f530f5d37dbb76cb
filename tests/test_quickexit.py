"""Start-up and exit costs kept out of a short run: the process leaves without Python's teardown once its
work is flushed (trpipe.quickexit), and a registry already checked is not checked by pydantic again."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import yaml

import trpipe.models.schema as schema
from trpipe.quickexit import leave


def _run(code: str, tmp_path, **env) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=tmp_path, env={**os.environ, **env}, timeout=60)  # fmt: skip


LEAVING = """
    import atexit, sys, threading
    from trpipe.quickexit import leave
    atexit.register(lambda: open("handler-ran", "w").write("yes"))
    sys.stdout.write("unflushed output")
    class Noisy:  # its finaliser runs in a normal exit's teardown only
        def __del__(self, _open=open):
            _open("teardown-ran", "w").write("yes")
    kept = Noisy()
    {extra}
    leave(3)
"""


def test_leave_runs_the_exit_handlers_flushes_and_skips_the_teardown(tmp_path):
    done = _run(LEAVING.format(extra=""), tmp_path)
    assert done.returncode == 3
    assert done.stdout == "unflushed output"
    assert (tmp_path / "handler-ran").read_text() == "yes"
    assert not (tmp_path / "teardown-ran").exists()


def test_a_live_thread_or_the_environment_variable_means_a_normal_exit(tmp_path):
    waiting = "threading.Thread(target=__import__('time').sleep, args=(0.2,)).start()"
    done = _run(LEAVING.format(extra=waiting), tmp_path)
    assert done.returncode == 3 and (tmp_path / "teardown-ran").exists()  # joined, then torn down
    (tmp_path / "teardown-ran").unlink()
    done = _run(LEAVING.format(extra=""), tmp_path, TRPIPE_FULL_EXIT="1")
    assert done.returncode == 3 and (tmp_path / "teardown-ran").exists()


@pytest.mark.parametrize("code", ["a message", 3.5])
def test_codes_python_prints_are_left_to_python(code):
    with pytest.raises(SystemExit) as raised:
        leave(code)
    assert raised.value.code == code


def test_a_registry_checked_once_is_not_checked_by_pydantic_again(tmp_path, monkeypatch):
    monkeypatch.setenv("TRPIPE_TABLES_DIR", str(tmp_path / "tables"))
    schema._memo.cache_clear()
    calls = []
    parsed = schema._parsed
    monkeypatch.setattr(schema, "_parsed", lambda data, path: calls.append(path) or parsed(data, path))
    data = {"defaults": {"translation": {"num_beams": 2}}, "translation": {"fr-en": "org/fr-en", "de_en": "org/x"}}
    text = yaml.safe_dump(data)
    first = schema.validate(data, tmp_path / "models.yaml", text)
    assert first["translation"] == {"fr-en": {"model": "org/fr-en"}, "de-en": {"model": "org/x"}}
    schema._memo.cache_clear()  # another process: from the file
    assert schema.validate(yaml.safe_load(text), tmp_path / "models.yaml", text) == first
    assert len(calls) == 1
    first["translation"]["fr-en"]["model"] = "changed"  # a caller's change is its own
    assert schema.validate(data, tmp_path / "models.yaml", text)["translation"]["fr-en"]["model"] == "org/fr-en"
    assert len(calls) == 1
    changed = {**data, "defaults": {"translation": {"num_beams": 0}}}
    for _ in range(2):  # a registry that fails is checked (and fails) every time
        with pytest.raises(schema.RegistryError, match="num_beams"):
            schema.validate(changed, tmp_path / "models.yaml", yaml.safe_dump(changed))
    assert len(calls) == 3
    schema._memo.cache_clear()
