"""`python -m service.cli`. The guard matters: vLLM starts its engine process with `spawn`, which
imports this module again in the child."""

from service.cli import main

if __name__ == "__main__":
    main()
