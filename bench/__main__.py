"""Run every bench/*_bench.py module's main(), optionally only those whose name contains an argument:
`python -m bench` or `python -m bench checks`."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(p.stem for p in here.glob("*_bench.py"))
    if argv:
        names = [n for n in names if any(arg in n for arg in argv)]
        if not names:
            print(f"没有匹配的基准：{' '.join(argv)}", file=sys.stderr)
            return 2
    for name in names:
        print(f"== {name}")
        module = importlib.import_module(f"bench.{name}")
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
