# The README's two commands. Each sets up what a fresh machine lacks first.
.PHONY: run test

run:
	@bash scripts/run.sh

test:
	@bash scripts/test.sh
