"""`python -m aekit` (and `torchrun -m aekit`) run the CLI."""

from aekit.cli.main import main

raise SystemExit(main())
