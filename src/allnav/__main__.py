"""``python -m allnav`` runs the command line."""

from allnav.cli import main

main()
