# SOC-Watch developer and CI entry points. `make test` is what .ci/run runs;
# with SOCWATCH_INTEGRATION=1 (and `make services` first) it includes the
# integration tests against real Kafka, ClickHouse and Prometheus.

GO ?= go

.PHONY: all build test vet services services-down services-status demo

all: build

build:
	$(GO) build -o socwatch ./cmd/socwatch

vet:
	$(GO) vet ./...

test: vet
	$(GO) test -race -count=1 ./...
	@# Rule packs are checked with the binary; guarded until rules/packs ships.
	@if [ -d rules/packs ]; then \
		$(GO) build -o socwatch ./cmd/socwatch && \
		./socwatch rules lint rules/packs && \
		./socwatch rules test rules/packs; \
	else \
		echo "rules/packs not present yet: skipping rules lint/test"; \
	fi

services:
	deploy/local/services.sh up

services-down:
	deploy/local/services.sh down

services-status:
	deploy/local/services.sh status

demo:
	$(GO) run ./cmd/socwatch demo
