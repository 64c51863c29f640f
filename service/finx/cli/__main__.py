"""`python -m finx.cli`. The guard matters: vLLM starts its engine process with `spawn`, which
imports this module again in the child."""

from finx.cli import main

if __name__ == "__main__":
    main()
