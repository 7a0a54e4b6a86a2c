"""Maps the top-level folders of the design card onto subpackages of `guideaudit`.

crawler/ -> guideaudit.crawler, checks/ -> guideaudit.checks, and so on, so that a reader finds
every rule, portal and scheme by folder name while imports stay namespaced under guideaudit.
"""

from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).parent
MAPPED = {
    "guideaudit": "guideaudit",
    "guideaudit.crawler": "crawler",
    "guideaudit.checks": "checks",
    "guideaudit.schemes": "schemes",
    "guideaudit.reports": "reports",
    "guideaudit.fixtures": "fixtures",
}


def _packages() -> list[str]:
    found = []
    for name, folder in MAPPED.items():
        base = ROOT / folder
        for init in sorted(base.rglob("__init__.py")):
            rel = init.parent.relative_to(base)
            if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
                continue
            found.append(".".join([name, *rel.parts]) if rel.parts else name)
    return found


setup(packages=_packages(), package_dir=MAPPED)
