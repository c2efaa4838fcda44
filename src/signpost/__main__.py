"""``python -m signpost`` runs the CLI."""

from signpost.cli import main

raise SystemExit(main())
