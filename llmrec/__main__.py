"""`python -m llmrec`: the command line (see llmrec.cli)."""

from llmrec.cli import main

raise SystemExit(main())
