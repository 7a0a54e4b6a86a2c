"""Run every bench/*_bench.py module's main(), optionally only those whose name contains an argument:
`python -m bench` or `python -m bench checks`. Options after one name go to that bench's main:
`python -m bench scale --guides 100000`."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(p.stem for p in here.glob("*_bench.py"))
    first_option = next((i for i, a in enumerate(argv) if a.startswith("-")), len(argv))
    wanted, options = argv[:first_option], argv[first_option:]
    if wanted:
        names = [n for n in names if any(arg in n for arg in wanted)]
        if not names:
            print(f"没有匹配的基准：{' '.join(wanted)}", file=sys.stderr)
            return 2
    if options and len(names) != 1:
        print(f"选项 {' '.join(options)} 只能给一个基准（如 python -m bench scale --guides 100000）", file=sys.stderr)
        return 2
    for name in names:
        print(f"== {name}")
        module = importlib.import_module(f"bench.{name}")
        # A bench whose main() reads sys.argv must not take the bench names for its options
        # (`python -m bench extract` ran extract_bench against a commit named "extract").
        sys.argv = [f"bench.{name}", *options]
        if options:
            module.main(options)
        else:
            module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
