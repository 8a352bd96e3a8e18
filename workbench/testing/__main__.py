"""`python -m workbench.testing --words N`: serve the fake Messages API from its own process."""

from ..agent.fake.server import main

main()
