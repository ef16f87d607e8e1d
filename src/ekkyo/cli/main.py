"""``python -m ekkyo.cli.main``: the ``ekkyo`` command without the console script."""

from ekkyo.cli import main

if __name__ == "__main__":
    main()
