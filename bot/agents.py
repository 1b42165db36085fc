"""Agent accounts of the console, and the `python -m bot.agents` command that manages them.

The accounts live in one JSON file (AGENTS_FILE): username, first name, queue patterns and an
argon2 password hash each. The command edits it while hubs run; every hub re-reads it when it
changes. Writes are atomic (temporary file + rename) and serialized by a lock file, and the file
is readable by its owner only.
"""

from __future__ import annotations

import argparse
import fcntl
import fnmatch
import getpass
import json
import logging
import os
import re
import secrets
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import AfterValidator, BaseModel, ValidationError

from bot.settings import Settings

log = logging.getLogger("bot.agents")

USERNAME = re.compile(r"[a-z0-9_.-]{2,32}")
LANGUAGES = ("it", "en")
TOPICS = ("payments", "delivery", "returns", "general")
MIN_PASSWORD_CHARS = 10
MAX_NAME_CHARS = 40


class AgentsFileError(ValueError):
    """The agents file exists but cannot be read as agent accounts."""


def check_username(username: str) -> str:
    if not USERNAME.fullmatch(username):
        raise ValueError(f"bad username {username!r}: use 2-32 characters among a-z 0-9 _ . -")
    return username


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME_CHARS or not name.isprintable():
        raise ValueError(f"bad name {name!r}: the first name shown to shoppers, 1-{MAX_NAME_CHARS} characters")
    return name


def check_queue_pattern(pattern: str) -> str:
    """`<language>.<topic>`, either part may be `*`; `*` alone means every queue."""
    if pattern == "*":
        return pattern
    language, dot, topic = pattern.partition(".")
    if not dot or language not in (*LANGUAGES, "*") or topic not in (*TOPICS, "*"):
        raise ValueError(
            f"bad queue {pattern!r}: use <language>.<topic> with language one of {', '.join(LANGUAGES)} "
            f"and topic one of {', '.join(TOPICS)}; either part may be *, e.g. it.*, *.returns, *"
        )
    return pattern


def check_queues(queues: list[str]) -> list[str]:
    checked = list(dict.fromkeys(check_queue_pattern(queue.strip()) for queue in queues))
    if not checked:
        raise ValueError("an agent needs at least one queue, e.g. it.* or en.returns")
    return checked


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"the password must be at least {MIN_PASSWORD_CHARS} characters long")
    return password


class Agent(BaseModel):
    username: Annotated[str, AfterValidator(check_username)]
    name: Annotated[str, AfterValidator(check_name)]  # first name, shown to shoppers
    queues: Annotated[list[str], AfterValidator(check_queues)]  # patterns: "it.payments", "it.*", "*.returns", "*"
    password_hash: str

    def serves(self, queue: str) -> bool:
        return any(fnmatch.fnmatchcase(queue, pattern) for pattern in self.queues)

    def public(self) -> dict[str, object]:
        return {"username": self.username, "name": self.name, "queues": list(self.queues)}


class AgentsFile(BaseModel):
    agents: list[Agent] = []


class AgentDirectory:
    """Reads and edits the agents file. `verify` hashes (tens of milliseconds of CPU): from async
    code call it through `asyncio.to_thread`."""

    def __init__(self, path: Path, hasher: PasswordHasher | None = None) -> None:
        self.path = Path(path)
        self.hasher = hasher or PasswordHasher()
        self._agents: dict[str, Agent] = {}
        self._loaded_version: tuple[int, int, int] | None = None

    def get(self, username: str) -> Agent | None:
        return self._current().get(username)

    def all(self) -> list[Agent]:
        return sorted(self._current().values(), key=lambda agent: agent.username)

    def verify(self, username: str, password: str) -> Agent | None:
        """The agent if the password is theirs; None for a wrong password or an unknown user, which
        costs the same hash verification so response times do not tell which usernames exist."""
        agent = self.get(username)
        try:
            self.hasher.verify(agent.password_hash if agent else self._decoy_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if agent is None:
            return None
        if self.hasher.check_needs_rehash(agent.password_hash):
            agent = self._rehash(agent, password)
        return agent

    def add(self, username: str, name: str, queues: list[str], password: str) -> Agent:
        agent = Agent(
            username=check_username(username),
            name=check_name(name),
            queues=check_queues(queues),
            password_hash=self.hasher.hash(check_password(password)),
        )
        with self._editing() as agents:
            if username in agents:
                raise ValueError(f"agent {username!r} already exists")
            agents[username] = agent
        return agent

    def remove(self, username: str) -> None:
        with self._editing() as agents:
            self._existing(agents, username)
            del agents[username]

    def set_password(self, username: str, password: str) -> None:
        password_hash = self.hasher.hash(check_password(password))
        with self._editing() as agents:
            agent = self._existing(agents, username)
            agents[username] = agent.model_copy(update={"password_hash": password_hash})

    def set_queues(self, username: str, queues: list[str]) -> None:
        checked = check_queues(queues)
        with self._editing() as agents:
            agent = self._existing(agents, username)
            agents[username] = agent.model_copy(update={"queues": checked})

    def _rehash(self, agent: Agent, password: str) -> Agent | None:
        """Store the password under the hasher's current parameters (they were raised since)."""
        new_hash = self.hasher.hash(password)
        with self._editing() as agents:
            stored = agents.get(agent.username)
            if stored is not None and stored.password_hash == agent.password_hash:  # not edited meanwhile
                agents[agent.username] = stored.model_copy(update={"password_hash": new_hash})
        return self.get(agent.username)

    @staticmethod
    def _existing(agents: dict[str, Agent], username: str) -> Agent:
        if username not in agents:
            raise ValueError(f"no agent named {username!r}")
        return agents[username]

    @cached_property
    def _decoy_hash(self) -> str:
        return self.hasher.hash(secrets.token_urlsafe(16))

    def _version(self) -> tuple[int, int, int] | None:
        """Changes whenever the file is replaced or edited in place."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def _current(self) -> dict[str, Agent]:
        """The accounts, re-read when the file changed. A file broken by a hand edit keeps the last
        good accounts in service (and is logged) rather than locking every agent out."""
        version = self._version()
        if version != self._loaded_version:
            try:
                agents = self._read()
            except AgentsFileError:
                if self._loaded_version is None:
                    raise
                log.exception("agents file unreadable, keeping the accounts read before")
                agents = self._agents  # logged once; read again at the next change
            self._agents, self._loaded_version = agents, version
        return self._agents

    def _read(self) -> dict[str, Agent]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            agents = AgentsFile.model_validate_json(text).agents
        except ValidationError as error:
            raise AgentsFileError(f"{self.path} is not a valid agents file: {error}") from error
        return {agent.username: agent for agent in agents}

    @contextmanager
    def _editing(self) -> Iterator[dict[str, Agent]]:
        """Read, let the caller change, write back; one editor at a time across processes."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)) as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            agents = self._read()
            yield agents
            self._write(agents)

    def _write(self, agents: dict[str, Agent]) -> None:
        content = AgentsFile(agents=sorted(agents.values(), key=lambda agent: agent.username))
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")  # mode 600
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(json.dumps(content.model_dump(), indent=2) + "\n")
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


# The command ------------------------------------------------------------------------------------


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    file_option = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: `--file` after the subcommand must not reset one given before it.
    file_option.add_argument("--file", type=Path, default=argparse.SUPPRESS, help="agents file (default: AGENTS_FILE)")
    password_option = argparse.ArgumentParser(add_help=False)
    password_option.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of stdin"
    )
    queues_option = argparse.ArgumentParser(add_help=False)
    queues_option.add_argument("--queues", required=True, help='comma-separated queue patterns, e.g. "it.*,en.returns"')

    parser = argparse.ArgumentParser(prog="python -m bot.agents", description="Manage the agent console accounts.")
    parser.add_argument("--file", type=Path, help="agents file (default: AGENTS_FILE, var/agents.json)")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", parents=[file_option, queues_option, password_option], help="create an agent")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="first name shown to shoppers")
    commands.add_parser("list", parents=[file_option], help="show the agents")
    remove = commands.add_parser("remove", parents=[file_option], help="delete an agent")
    remove.add_argument("username")
    passwd = commands.add_parser("passwd", parents=[file_option, password_option], help="set a new password")
    passwd.add_argument("username")
    queues = commands.add_parser("queues", parents=[file_option, queues_option], help="set an agent's queues")
    queues.add_argument("username")
    return parser.parse_args(argv)


def default_agents_file() -> Path:
    try:
        return Settings().agents_file
    except ValidationError as error:
        raise ValueError(f"cannot read the settings to find AGENTS_FILE (or pass --file): {error}") from error


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        raise ValueError("the two passwords differ")
    return password


def split_queues(text: str) -> list[str]:
    return [queue for queue in text.split(",") if queue.strip()]


def agents_table(agents: list[Agent]) -> str:
    rows = [("username", "name", "queues")] + [(a.username, a.name, ",".join(a.queues)) for a in agents]
    widths = [max(len(row[column]) for row in rows) for column in range(2)]
    return "\n".join(f"{u:<{widths[0]}}  {n:<{widths[1]}}  {q}" for u, n, q in rows)


def run(arguments: argparse.Namespace) -> str:
    """Carry out one command; return what to print."""
    directory = AgentDirectory(arguments.file or default_agents_file())
    command, username = arguments.command, getattr(arguments, "username", "")
    if command == "add":
        queues = split_queues(arguments.queues)
        agent = directory.add(username, arguments.name, queues, read_password(arguments.password_stdin))
        return f"added {agent.username} ({agent.name}), queues {','.join(agent.queues)}, in {directory.path}"
    if command == "list":
        agents = directory.all()
        return agents_table(agents) if agents else f"no agents in {directory.path} yet"
    if command == "remove":
        directory.remove(username)
        return f"removed {username}"
    if command == "passwd":
        if directory.get(username) is None:  # before asking for a password it could not use
            raise ValueError(f"no agent named {username!r}")
        directory.set_password(username, read_password(arguments.password_stdin))
        return f"password of {username} changed"
    queues = check_queues(split_queues(arguments.queues))
    directory.set_queues(username, queues)
    return f"queues of {username}: {','.join(queues)}"


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    try:
        print(run(arguments))
    except ValueError as error:  # bad input, including an unreadable agents file
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
