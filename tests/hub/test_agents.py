"""Agent accounts (bot/agents.py and its command) and agent console sessions
(bot/agent_sessions.py, bot/revocations.py), on real files, real argon2 and the local Redis."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import subprocess
import threading
from pathlib import Path

import pytest
import redis.asyncio as redis
from argon2 import PasswordHasher, extract_parameters
from redis_keys import REDIS_URL

from bot.agent_sessions import AgentSessions
from bot.agents import AgentDirectory, AgentsFileError
from bot.revocations import MemoryRevocations, RedisRevocations, open_revocations
from bot.sessions import SessionTokens
from bot.settings import Settings

REPO = Path(__file__).resolve().parents[2]
PYTHON = REPO / ".venv" / "bin" / "python"
PASSWORD = "correct horse battery"
SECRET = "s" * 40


@pytest.fixture
def agents_file(tmp_path: Path) -> Path:
    return tmp_path / "var" / "agents.json"


@pytest.fixture
def directory(agents_file: Path) -> AgentDirectory:
    directory = AgentDirectory(agents_file)
    directory.add("anna", "Anna", ["it.*", "en.returns"], PASSWORD)
    return directory


class CountingHasher(PasswordHasher):
    """The real hasher, counting verifications."""

    verifications = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verifications += 1
        return super().verify(hash, password)


# Accounts -----------------------------------------------------------------------------------------


def test_an_agent_logs_in_with_its_password_only(directory: AgentDirectory) -> None:
    agent = directory.verify("anna", PASSWORD)
    assert agent is not None and agent.name == "Anna" and agent.queues == ["it.*", "en.returns"]
    assert directory.verify("anna", PASSWORD + "!") is None
    assert directory.verify("anna", "") is None
    assert directory.verify("bob", PASSWORD) is None


def test_passwords_are_stored_as_argon2id_hashes_never_in_clear(directory: AgentDirectory, agents_file: Path) -> None:
    text = agents_file.read_text()
    assert PASSWORD not in text
    assert directory.get("anna").password_hash.startswith("$argon2id$")


def test_an_unknown_user_costs_the_same_hash_verification(agents_file: Path) -> None:
    hasher = CountingHasher()
    directory = AgentDirectory(agents_file, hasher)
    directory.add("anna", "Anna", ["*"], PASSWORD)
    assert directory.verify("nobody", PASSWORD) is None
    assert directory.verify("anna", "wrong password") is None
    assert hasher.verifications == 2


def test_public_shape_never_carries_the_hash(directory: AgentDirectory) -> None:
    assert directory.get("anna").public() == {"username": "anna", "name": "Anna", "queues": ["it.*", "en.returns"]}


@pytest.mark.parametrize(
    ("queue", "served"),
    [("it.payments", True), ("it.general", True), ("en.returns", True), ("en.payments", False), ("fr.returns", False)],
)
def test_an_agent_serves_the_queues_its_patterns_match(directory: AgentDirectory, queue: str, served: bool) -> None:
    assert directory.get("anna").serves(queue) is served


def test_wildcard_patterns(agents_file: Path) -> None:
    directory = AgentDirectory(agents_file)
    directory.add("rita", "Rita", ["*.returns"], PASSWORD)
    directory.add("boss", "Boss", ["*"], PASSWORD)
    assert directory.get("rita").serves("en.returns") and not directory.get("rita").serves("en.delivery")
    assert all(directory.get("boss").serves(queue) for queue in ("it.payments", "en.general"))


@pytest.mark.parametrize(
    ("username", "name", "queues", "password", "error"),
    [
        ("anna", "Anna", ["it.*"], PASSWORD, "already exists"),
        ("Anna2", "Anna", ["it.*"], PASSWORD, "bad username"),
        ("a", "Anna", ["it.*"], PASSWORD, "bad username"),
        ("a" * 33, "Anna", ["it.*"], PASSWORD, "bad username"),
        ("an na", "Anna", ["it.*"], PASSWORD, "bad username"),
        ("bob", "  ", ["it.*"], PASSWORD, "bad name"),
        ("bob", "Bob", ["fr.payments"], PASSWORD, "bad queue"),
        ("bob", "Bob", ["it.shoes"], PASSWORD, "bad queue"),
        ("bob", "Bob", ["it"], PASSWORD, "bad queue"),
        ("bob", "Bob", ["it.pay*"], PASSWORD, "bad queue"),
        ("bob", "Bob", [], PASSWORD, "at least one queue"),
        ("bob", "Bob", ["it.*"], "short", "at least 10 characters"),
    ],
)
def test_bad_accounts_are_refused_and_change_nothing(
    directory: AgentDirectory, agents_file: Path, username: str, name: str, queues: list[str], password: str, error: str
) -> None:
    before = agents_file.read_bytes()
    with pytest.raises(ValueError, match=error):
        directory.add(username, name, queues, password)
    assert agents_file.read_bytes() == before


def test_remove(directory: AgentDirectory) -> None:
    directory.remove("anna")
    assert directory.get("anna") is None and directory.verify("anna", PASSWORD) is None
    with pytest.raises(ValueError, match="no agent named 'anna'"):
        directory.remove("anna")


def test_set_password(directory: AgentDirectory) -> None:
    directory.set_password("anna", "a new long password")
    assert directory.verify("anna", PASSWORD) is None
    assert directory.verify("anna", "a new long password") is not None
    with pytest.raises(ValueError, match="at least 10"):
        directory.set_password("anna", "short")
    with pytest.raises(ValueError, match="no agent named"):
        directory.set_password("bob", "a new long password")
    assert directory.verify("anna", "a new long password") is not None


def test_set_queues(directory: AgentDirectory) -> None:
    directory.set_queues("anna", ["en.*", " en.* ", "*.returns"])
    assert directory.get("anna").queues == ["en.*", "*.returns"]
    with pytest.raises(ValueError, match="bad queue"):
        directory.set_queues("anna", ["en.*", "xx.*"])
    assert directory.get("anna").queues == ["en.*", "*.returns"]
    assert directory.verify("anna", PASSWORD) is not None  # the password survived the edit


def test_a_hash_from_weaker_parameters_is_upgraded_at_login(agents_file: Path) -> None:
    AgentDirectory(agents_file, PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)).add(
        "anna", "Anna", ["*"], PASSWORD
    )
    directory = AgentDirectory(agents_file)
    weak_hash = directory.get("anna").password_hash
    assert directory.verify("anna", PASSWORD) is not None
    upgraded = AgentDirectory(agents_file).get("anna").password_hash  # as stored in the file
    assert upgraded != weak_hash
    assert extract_parameters(upgraded) == directory.hasher._parameters
    assert directory.verify("anna", PASSWORD) is not None


def test_the_file_is_readable_by_its_owner_only(directory: AgentDirectory, agents_file: Path) -> None:
    assert stat.S_IMODE(agents_file.stat().st_mode) == 0o600
    agents_file.chmod(0o644)
    directory.set_queues("anna", ["*"])
    assert stat.S_IMODE(agents_file.stat().st_mode) == 0o600
    assert [path.name for path in agents_file.parent.iterdir() if path.name.startswith(".")] == []  # no temp left


def test_a_running_directory_sees_accounts_another_process_wrote(directory: AgentDirectory, agents_file: Path) -> None:
    assert directory.get("bob") is None
    other = AgentDirectory(agents_file)
    other.add("bob", "Bob", ["en.*"], PASSWORD)
    assert directory.get("bob").name == "Bob"
    other.remove("anna")
    assert [agent.username for agent in directory.all()] == ["bob"]


def test_concurrent_edits_lose_nothing(directory: AgentDirectory, agents_file: Path) -> None:
    names = [f"agent{number}" for number in range(6)]
    threads = [
        threading.Thread(target=AgentDirectory(agents_file).add, args=(name, "Agent", ["*"], PASSWORD))
        for name in names
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {agent.username for agent in directory.all()} == {"anna", *names}


def test_a_broken_file_is_reported_and_never_overwritten(
    directory: AgentDirectory, agents_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert directory.get("anna") is not None  # loaded while the file was good
    agents_file.write_text('{"agents": [{"username": "anna"')
    with caplog.at_level(logging.ERROR, logger="bot.agents"):
        assert directory.get("anna") is not None  # a running hub keeps the accounts it had
        assert directory.get("anna") is not None
    assert len(caplog.records) == 1  # reported once, not at every look-up
    fresh = AgentDirectory(agents_file)
    with pytest.raises(AgentsFileError, match="not a valid agents file"):
        fresh.get("anna")
    with pytest.raises(AgentsFileError):
        fresh.add("bob", "Bob", ["*"], PASSWORD)
    assert agents_file.read_text() == '{"agents": [{"username": "anna"'
    AgentDirectory(agents_file.with_name("good.json")).add("bob", "Bob", ["*"], PASSWORD)
    agents_file.with_name("good.json").replace(agents_file)  # fixed: read again
    assert [agent.username for agent in directory.all()] == ["bob"]


def test_no_file_means_no_agents(agents_file: Path) -> None:
    directory = AgentDirectory(agents_file)
    assert directory.all() == [] and directory.verify("anna", PASSWORD) is None


# The command --------------------------------------------------------------------------------------


def command(
    *arguments: str, password: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(PYTHON), "-m", "bot.agents", *arguments],
        input=password + "\n" if password is not None else "",
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_the_command_adds_lists_and_edits_agents(agents_file: Path) -> None:
    file = ["--file", str(agents_file)]
    added = command(
        "add", "anna", "--name", "Anna", "--queues", "it.*,en.*", "--password-stdin", *file, password=PASSWORD
    )
    assert added.returncode == 0, added.stderr
    assert "added anna (Anna)" in added.stdout
    assert AgentDirectory(agents_file).verify("anna", PASSWORD).queues == ["it.*", "en.*"]

    assert command(*file, "queues", "anna", "--queues", "en.returns,").returncode == 0  # --file before the command
    assert command("passwd", "anna", "--password-stdin", *file, password="another long one").returncode == 0
    listed = command("list", *file)
    assert listed.returncode == 0
    header, row = listed.stdout.splitlines()
    assert header.split() == ["username", "name", "queues"] and row.split() == ["anna", "Anna", "en.returns"]
    assert AgentDirectory(agents_file).verify("anna", "another long one") is not None

    assert command("remove", "anna", *file).returncode == 0
    assert "no agents" in command("list", *file).stdout


def test_the_command_reads_agents_file_from_the_environment(agents_file: Path) -> None:
    env = {"AGENTS_FILE": str(agents_file)}
    added = command("add", "bob", "--name", "Bob", "--queues", "*", "--password-stdin", password=PASSWORD, env=env)
    assert added.returncode == 0, added.stderr
    assert AgentDirectory(agents_file).get("bob") is not None
    assert "bob" in command("list", env=env).stdout


@pytest.mark.parametrize(
    ("arguments", "password", "error"),
    [
        (
            ["add", "anna", "--name", "Anna", "--queues", "it.shoes", "--password-stdin"],
            PASSWORD,
            "bad queue 'it.shoes'",
        ),
        (["add", "anna", "--name", "Anna", "--queues", "it.*", "--password-stdin"], "short", "at least 10"),
        (["add", "anna", "--name", "Anna", "--queues", "it.*", "--password-stdin"], PASSWORD, "already exists"),
        (["add", "Bad Name", "--name", "X", "--queues", "it.*", "--password-stdin"], PASSWORD, "bad username"),
        (["add", "bob", "--queues", "it.*", "--password-stdin"], PASSWORD, "--name"),
        (["remove", "nobody"], None, "no agent named 'nobody'"),
        (["passwd", "nobody", "--password-stdin"], PASSWORD, "no agent named 'nobody'"),
        (["queues", "anna", "--queues", "*.shoes"], None, "bad queue"),
        (["rename", "anna"], None, "invalid choice"),
    ],
)
def test_the_command_refuses_bad_input_with_exit_code_2(
    directory: AgentDirectory, agents_file: Path, arguments: list[str], password: str | None, error: str
) -> None:
    before = agents_file.read_bytes()
    result = command(*arguments, "--file", str(agents_file), password=password)
    assert result.returncode == 2
    assert error in result.stderr
    assert agents_file.read_bytes() == before


# Sessions -----------------------------------------------------------------------------------------


async def test_a_session_token_names_its_agent() -> None:
    sessions = AgentSessions(SECRET, 3600, MemoryRevocations())
    token = sessions.issue("anna")
    assert await sessions.username_of(token) == "anna"
    assert sessions.issue("anna") != token  # every login is a session of its own


@pytest.mark.parametrize("token", [None, "", "garbage", "a.b.c"])
async def test_missing_or_garbage_tokens_name_nobody(token: str | None) -> None:
    assert await AgentSessions(SECRET, 3600, MemoryRevocations()).username_of(token) is None


async def test_tampered_or_foreign_tokens_name_nobody() -> None:
    sessions = AgentSessions(SECRET, 3600, MemoryRevocations())
    token = sessions.issue("anna")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert await sessions.username_of(tampered) is None
    assert await sessions.username_of(AgentSessions("k" * 40, 3600, MemoryRevocations()).issue("anna")) is None
    widget_token = SessionTokens(SECRET, 3600).issue("anna")
    assert await sessions.username_of(widget_token) is None  # same key, another purpose


async def test_a_session_expires_after_its_ttl() -> None:
    sessions = AgentSessions(SECRET, 1, MemoryRevocations())
    token = sessions.issue("anna")
    assert await sessions.username_of(token) == "anna"
    await asyncio.sleep(2.1)
    assert await sessions.username_of(token) is None


async def test_logout_revokes_that_session_only() -> None:
    sessions = AgentSessions(SECRET, 3600, MemoryRevocations())
    laptop, phone = sessions.issue("anna"), sessions.issue("anna")
    await sessions.revoke(laptop)
    assert await sessions.username_of(laptop) is None
    assert await sessions.username_of(phone) == "anna"
    await sessions.revoke("garbage")  # logging out with a bad token is harmless


async def test_memory_revocations_expire() -> None:
    now = [1000.0]
    revocations = MemoryRevocations(clock=lambda: now[0])
    await revocations.revoke("sid-1", 60)
    assert await revocations.is_revoked("sid-1") and not await revocations.is_revoked("sid-2")
    now[0] += 61
    assert not await revocations.is_revoked("sid-1")
    await revocations.revoke("sid-2", 60)
    assert list(revocations.revoked_until) == ["sid-2"]  # expired entries are dropped


async def test_a_logout_in_one_hub_holds_in_another_through_redis(redis_prefix: str) -> None:
    first_hub = AgentSessions(SECRET, 3600, RedisRevocations(REDIS_URL, redis_prefix))
    second_hub = AgentSessions(SECRET, 3600, RedisRevocations(REDIS_URL, redis_prefix))
    token = first_hub.issue("anna")
    assert await second_hub.username_of(token) == "anna"
    await first_hub.revoke(token)
    assert await second_hub.username_of(token) is None
    client = redis.from_url(REDIS_URL)
    keys = [key async for key in client.scan_iter(f"{redis_prefix}agent-revoked:*")]
    assert len(keys) == 1 and 3590 < await client.ttl(keys[0]) <= 3600  # gone when the token would have expired
    await client.aclose()
    await first_hub.revocations.close()
    await second_hub.revocations.close()


async def test_open_revocations_follows_the_settings(redis_prefix: str) -> None:
    assert isinstance(open_revocations(Settings(hub_secret_key=SECRET)), MemoryRevocations)
    revocations = open_revocations(Settings(hub_secret_key=SECRET, redis_url=REDIS_URL, redis_key_prefix=redis_prefix))
    assert isinstance(revocations, RedisRevocations) and revocations.key("x") == f"{redis_prefix}agent-revoked:x"
    await revocations.close()


def test_the_command_runs_from_the_repository_root() -> None:
    result = subprocess.run([str(PYTHON), "-m", "bot.agents", "--help"], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0 and "add" in result.stdout and "passwd" in result.stdout
