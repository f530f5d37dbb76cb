"""``trpipe`` as a child process of the service's tests, with the test backends registered (test-echo,
test-hold): ``python tests/serve_main.py serve ...``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import echo_backend  # noqa: F401
import serve_backend  # noqa: F401
from trpipe.cli import main

if __name__ == "__main__":
    main()
