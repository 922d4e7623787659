# The README's two commands. Each sets up what a fresh machine lacks first.
.PHONY: run test image image-arm64

run:
	@bash scripts/run.sh

test:
	@bash scripts/test.sh

# The container image (FROM scratch; scripts/image.sh says what is in it).
image:
	@bash scripts/image.sh build amd64

# The same for Graviton and Fargate ARM, cross-built here.
image-arm64:
	@bash scripts/image.sh build arm64
