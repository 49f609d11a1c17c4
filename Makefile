# aepg: the two commands a new user needs, and a few more.
.PHONY: demo demo-stop test build release install install-extension docs clean

PREFIX ?= /usr/local

## Install what is missing, build in release mode, run the demo on a private PostgreSQL.
demo:
	scripts/install-deps.sh
	swift build -c release
	.build/release/aepg demo

## Stop the demo's private PostgreSQL.
demo-stop:
	.build/release/aepg demo --stop

## Install what is missing, start a throwaway PostgreSQL, run every test, stop it.
test:
	scripts/test.sh

build:
	swift build

release:
	swift build -c release

## Install the binary (it carries its SQL) and the demo's data/ under PREFIX (bin/aepg, share/aepg/data).
install: release
	install -D -m 755 .build/release/aepg $(PREFIX)/bin/aepg
	install -d $(PREFIX)/share/aepg/data
	install -m 644 data/* $(PREFIX)/share/aepg/data/

## Rewrite the README's generated tables (options, exit statuses) from the code.
docs:
	scripts/generate-docs.sh

clean:
	rm -rf .build

## Install the extension files on this machine (CREATE EXTENSION aepg); needs write access to the server's sharedir.
install-extension: release
	.build/release/aepg extension --out "$$(pg_config --sharedir)/extension"
