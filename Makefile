# MedPath: every target sets up what it needs on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
STAMP := $(VENV)/.installed
TRANSLATIONS := portal/translations
MO := $(TRANSLATIONS)/zh/LC_MESSAGES/messages.mo
STUDENTS ?= 20000

.PHONY: run test install system-run system-test system-bench translations extract-messages update-messages seed bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) $(MO)

# Debian packages beyond Python (Pango, a Chinese font; for tests also Chromium, poppler, Redis):
# installed when missing and run as root, otherwise named.
system-run:
	@./.ci/system-packages run

system-test:
	@./.ci/system-packages test

system-bench:
	@./.ci/system-packages bench

$(MO): $(TRANSLATIONS)/zh/LC_MESSAGES/messages.po $(STAMP)
	$(VENV)/bin/pybabel compile --statistics -d $(TRANSLATIONS)

translations: $(MO)

# After changing user-visible text: refresh the catalogue, then translate the new entries.
extract-messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F $(TRANSLATIONS)/babel.cfg -k _l -k lazy_gettext --no-location --omit-header --sort-output -o $(TRANSLATIONS)/messages.pot .

update-messages: extract-messages
	$(VENV)/bin/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching

run: system-run install
	$(FLASK) db upgrade
	$(FLASK) demo seed --if-empty
	@echo
	@echo "MedPath is serving on http://127.0.0.1:5000"
	@echo "Demo accounts (password demo-pass-123): admin, mentor01, student0001, alumni01"
	$(FLASK) run --host 127.0.0.1 --port 5000

test: system-test install
	$(PY) -m pytest $(PYTEST_ARGS)

seed: install
	$(FLASK) db upgrade
	$(FLASK) demo seed --students $(STUDENTS)

bench: system-bench install
	$(PY) bench/run.py --students $(STUDENTS)
	$(PY) bench/jobs_recommend.py --students $(STUDENTS)

clean:
	rm -rf $(VENV) $(MO) instance/medpath.sqlite*
