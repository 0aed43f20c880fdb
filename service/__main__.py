"""`python -m service`: the command-line interface."""

from service.cli import main

raise SystemExit(main())
