"""Shared by the fake cluster launchers in this folder (test-only; see test_cluster_recipes).

The fake nodes are the names in FAKE_NODES; a command "runs on" a node by running here with
FAKE_NODE set, which cluster_site/sitecustomize.py turns into that host name for Python.
Every launcher appends its argv to FAKE_LOG (one JSON list per line) for the tests to check.
"""

import json
import os
import subprocess
import sys


def log(argv):
    with open(os.environ["FAKE_LOG"], "a", encoding="utf-8") as handle:
        handle.write(json.dumps(argv) + "\n")


def nodes():
    return os.environ.get("FAKE_NODES", "node1 node2").split()


def node_env(node, **extra):
    """The environment a command sees "on" ``node``."""
    return dict(os.environ, FAKE_NODE=node, **extra)


def run_shell(command, node, prefix=True):
    """Run a command line as a remote shell would; prefix output lines like pdsh does."""
    done = subprocess.run(["sh", "-c", command], env=node_env(node), capture_output=True,
                          text=True, check=False)
    for line in done.stdout.splitlines():
        print(f"{node}: {line}" if prefix else line)
    sys.stderr.write(done.stderr)
    return done.returncode


def take_hosts(argv):
    """Split pdsh/clush arguments into (-w hosts, the command line)."""
    hosts, rest = None, []
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg == "-w":
            hosts = argv[index + 1]
            index += 2
            continue
        rest = argv[index:]
        break
    if hosts is None or not rest:
        sys.exit(f"fake: usage: -w HOSTS COMMAND (got {argv})")
    return hosts, " ".join(rest)
