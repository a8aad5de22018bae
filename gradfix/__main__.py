import sys

from gradfix.cli import main

sys.exit(main())
