"""`python -m riskbench.cli`."""

from riskbench.cli import main

main()
