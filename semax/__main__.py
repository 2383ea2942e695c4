import sys

from semax.cli import main

sys.exit(main())
