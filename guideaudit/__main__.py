import sys

from guideaudit.cli import main

sys.exit(main())
