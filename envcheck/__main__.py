"""``python -m envcheck`` runs the command-line tool."""

from envcheck.cli import main

if __name__ == "__main__":
    main()
