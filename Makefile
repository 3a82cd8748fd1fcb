# Camroll. `make run` and `make test` work from a fresh clone on a machine with Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= $(abspath $(CURDIR)/../shared)
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_URL ?= redis://127.0.0.1:6379/15
RABBITMQ_URL ?= amqp://guest:guest@127.0.0.1:5672//
# The cache gets its own database: tests clear it, which must not flush the broker's queues.
CACHE_REDIS_URL ?= redis://127.0.0.1:6379/13
PYTEST_ARGS ?=
# 1 (CI sets it): the browser tests fail instead of skipping when Chromium is missing.
REQUIRE_BROWSER ?= 0

# The tests' environment: production-like settings (DEBUG off), the small real models from
# ../shared, and a throwaway var/ folder.
TEST_ENV := DJANGO_SETTINGS_MODULE=project.settings DEBUG=0 \
	SECRET_KEY=test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz \
	ALLOWED_HOSTS=testserver,localhost,127.0.0.1 SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0 \
	FAST_PASSWORD_HASHER=1 VAR_DIR=$(CURDIR)/var/test \
	FACE_MODEL_PACK=$(SHARED)/models/face \
	SCENE_MODEL=$(SHARED)/models/scene/mobilenetv2-12-int8.onnx \
	SCENE_LABELS=$(SHARED)/models/scene/imagenet_labels.txt \
	TEST_PHOTOS_DIR=$(SHARED)/photos REQUIRE_BROWSER=$(REQUIRE_BROWSER) \
	TEXT_RECOGNITION=0

.PHONY: venv run test test-postgres test-rabbitmq lint format migrations-check check-deploy bench clean

$(BIN)/.runtime: requirements.txt requirements-nodeps.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -r requirements-nodeps.txt
	touch $@

$(BIN)/.dev: $(BIN)/.runtime requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(BIN)/.dev

## Fetch missing models, then web + Celery worker + beat on the embedded defaults at
## http://127.0.0.1:$(PORT) (PORT=8000 unless set). Without the models (offline) it starts
## anyway: photos wait for them.
PORT ?= 8000
run: $(BIN)/.runtime
	mkdir -p var/media var/broker/queue var/broker/control var/broker/processed
	DEBUG=1 $(BIN)/python manage.py models --download || \
		echo "Starting without the models listed above (README: Models offline)."
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start --port $(PORT)

## The whole suite on SQLite and the embedded broker (tasks run eagerly in-process); the
## S3 tests start moto's standalone S3 server themselves
test: $(BIN)/.dev
	rm -rf var/test && mkdir -p var/test
	$(TEST_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	$(TEST_ENV) CELERY_TASK_ALWAYS_EAGER=1 $(BIN)/pytest -m "not integration and not race" $(PYTEST_ARGS) \
		|| [ $$? -eq 5 ]
# The race tests run their calls in threads, which an in-memory SQLite database shared
# between connections cannot serve (its table locks fail at once instead of waiting): a
# SQLite file. Exit status 5 is "no test of that kind among PYTEST_ARGS".
	$(TEST_ENV) CELERY_TASK_ALWAYS_EAGER=1 SQLITE_TEST_NAME=$(CURDIR)/var/test/races.sqlite3 \
		$(BIN)/pytest -m "race and not integration" $(PYTEST_ARGS) || [ $$? -eq 5 ]

## The whole suite on PostgreSQL with a Redis broker; integration tests start real workers
test-postgres: $(BIN)/.dev
	rm -rf var/test && mkdir -p var/test
	$(TEST_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	$(TEST_ENV) CELERY_TASK_ALWAYS_EAGER=1 DATABASE_URL=$(PG_URL) CELERY_BROKER_URL=$(REDIS_URL) \
		CACHE_URL=$(CACHE_REDIS_URL) $(BIN)/pytest $(PYTEST_ARGS)

## The integration tests (real workers, SIGKILL) again, with RabbitMQ as the broker
test-rabbitmq: $(BIN)/.dev
	rm -rf var/test && mkdir -p var/test
	$(TEST_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
# Messages left by an interrupted run would be picked up by this run's workers.
	$(TEST_ENV) DATABASE_URL=$(PG_URL) CELERY_BROKER_URL=$(RABBITMQ_URL) \
		$(BIN)/celery -A project purge -f -Q celery,ml
	$(TEST_ENV) CELERY_TASK_ALWAYS_EAGER=1 DATABASE_URL=$(PG_URL) CELERY_BROKER_URL=$(RABBITMQ_URL) \
		CACHE_URL=$(CACHE_REDIS_URL) $(BIN)/pytest -m integration $(PYTEST_ARGS)

lint: $(BIN)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: $(BIN)/.dev
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

## `check --deploy` with production-like environment must print no warning
check-deploy: $(BIN)/.dev
	DEBUG=0 SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=photos.example.org \
		DATABASE_URL=$(PG_URL) CELERY_BROKER_URL=$(REDIS_URL) \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

## Benchmarks of bench/README.md but the load run (bench/load_sync.py needs PostgreSQL + Redis)
bench: $(BIN)/.dev
	for b in thumbnails library_queries sync_check analysis faces suggestions; do \
		$(TEST_ENV) $(BIN)/python bench/$$b.py || exit 1; done

clean:
	rm -rf var/test .pytest_cache .ruff_cache staticfiles
