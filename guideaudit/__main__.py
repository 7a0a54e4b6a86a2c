import sys

from guideaudit.cli import main

if __name__ == "__main__":
    sys.exit(main())
