import sys

from groovebox.cli import main

sys.exit(main())
