"""`python -m ampshare`: the same as the `ampshare` command."""

from ampshare.cli import main

if __name__ == "__main__":
    main()
