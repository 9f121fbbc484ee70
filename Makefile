# The two commands of the README.
.PHONY: demo test install

HOST ?= 127.0.0.1
PORT ?= 8000

# Installs everything, loads the demo data into SQLite, and serves the portal at http://$(HOST):$(PORT)/
demo:
	bash .ci/install
	uv run python manage.py migrate --noinput
	uv run python manage.py load_demo
	@echo "门户地址：http://$(HOST):$(PORT)/  （演示账户见 README）"
	uv run python manage.py runserver $(HOST):$(PORT)

# Runs the whole test suite (PostgreSQL when DATABASE_URL is set, SQLite otherwise).
test:
	bash .ci/install test
	uv run pytest
