"""``python -m maillint``: the same command as the ``maillint`` script."""

from maillint.cli import main

if __name__ == "__main__":
    main()
