"""Shared fixtures: a small, valid paper list in a temporary folder."""

from __future__ import annotations

import socket
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from site_gen import arxiv, doi
from site_gen.cli import main

REPO_ROOT = Path(__file__).resolve().parent.parent

TAXONOMY = """\
list:
  title: Test List
  description: A small list used by the tests.
categories:
  - slug: training
    title: Training
    description: Making training cheaper.
  - slug: agents
    title: Agents
    description: Agents with memory.
tags:
  - slug: llm
    title: LLM
    description: Large language models.
  - slug: low-rank
    title: Low-rank
    description: Low-rank methods.
  - slug: vision
    title: Vision
    description: Images and video.
"""

VALID_PAPER = """\
title: "GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection"
authors:
  - Jiawei Zhao
  - Zhenyu Zhang
year: 2024
venue: ICML 2024
arxiv: "2403.03507"
code: https://github.com/jiaweizzhao/GaLore
category: training
tags: [llm, low-rank]
abstract: Training LLMs is memory hungry.
added: 2024-03-12
"""


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """No test reaches the network: anything but loopback fails loudly, and the registries' default
    URLs (for this process and the commands it starts) are a closed local port. Tests that need a
    registry replay its recorded answers from a local server."""
    loopback = {"127.0.0.1", "::1", "localhost"}
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(self, address):
        if isinstance(address, tuple) and address[0] not in loopback:
            raise AssertionError(f"a test tried to reach {address}")
        return real_connect(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if host not in loopback:
            raise AssertionError(f"a test tried to resolve {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    for variable in (arxiv.API_URL_ENV, doi.CROSSREF_API_ENV, doi.DATACITE_API_ENV):
        monkeypatch.setenv(variable, closed_port_url())


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/"  # nothing listens there any more


class PaperList:
    """A paper list on disk that a test can edit, check and build."""

    def __init__(self, root: Path):
        self.root = root
        (root / "papers").mkdir(parents=True)
        (root / "docs").mkdir()
        self.write_taxonomy(TAXONOMY)

    @classmethod
    def existing(cls, root: Path) -> "PaperList":
        """A list already on disk (the repository's own, or a copy)."""
        listing = cls.__new__(cls)
        listing.root = root
        return listing

    def write_taxonomy(self, text: str) -> None:
        (self.root / "papers" / "_taxonomy.yml").write_text(text, encoding="utf-8")

    def write_settings(self, **settings: int) -> None:
        """Set the list's `settings:` in its taxonomy file (replacing any set before)."""
        path = self.root / "papers" / "_taxonomy.yml"
        text = path.read_text(encoding="utf-8").split("settings:\n")[0]
        lines = "".join(f"  {name}: {value}\n" for name, value in settings.items())
        path.write_text(f"{text}settings:\n{lines}", encoding="utf-8")

    def write(self, paper_id: str, text: str, suffix: str = ".yml") -> Path:
        path = self.root / "papers" / f"{paper_id}{suffix}"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def write_bytes(self, paper_id: str, data: bytes) -> None:
        (self.root / "papers" / f"{paper_id}.yml").write_bytes(data)

    def run(self, *args: str, env: dict | None = None):
        return CliRunner().invoke(main, [*args, "--root", str(self.root)], env=env or {"GITHUB_ACTIONS": "false"}, catch_exceptions=False)

    def check(self, env: dict | None = None):
        return self.run("check", env=env)


@pytest.fixture
def paper_list(tmp_path: Path) -> PaperList:
    listing = PaperList(tmp_path / "list")
    listing.write("galore", VALID_PAPER)
    return listing
