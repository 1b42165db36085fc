# The product's commands. `make run` and `make test` are the two a newcomer needs.
SHELL := /bin/bash
LANG_CODE ?= it

.PHONY: run test setup train chat agent eval-nlu bench lint validate

run: setup ## Start the assistant on embedded defaults (trains first if the model is stale)
	scripts/run.sh

test: ## Every check CI runs: lint, data validation, unit, story, end-to-end and NLU-quality tests
	scripts/test.sh

setup: ## Create or refresh the two pinned Python environments
	scripts/setup_envs.sh

train: setup ## Train the model unless one from the same inputs exists
	scripts/train_if_stale.sh

chat: ## Chat with the running assistant in the terminal (LANG_CODE=en for English)
	.venv/bin/python scripts/chat.py --lang $(LANG_CODE)

AGENT ?= anna
AGENT_NAME ?= Anna
AGENT_QUEUES ?= *
agent: setup ## Create an agent for the console (asks the password): make agent AGENT=anna AGENT_NAME=Anna AGENT_QUEUES="it.*,en.*"
	.venv/bin/python -m bot.agents add $(AGENT) --name $(AGENT_NAME) --queues "$(AGENT_QUEUES)"

eval-nlu: train ## Held-out NLU evaluation: macro-F1 per language, reports/ with confusion matrices
	.venv-rasa/bin/python scripts/eval_nlu.py --model $$(scripts/train_if_stale.sh | tail -n 1)

bench: setup ## Benchmarks (see benchmarks/README.md); results in benchmarks/results/
	benchmarks/run.sh

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

validate: setup
	.venv-rasa/bin/python scripts/validate_data.py
