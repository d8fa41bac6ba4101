#!/usr/bin/env python3
"""Deterministic synthetic GitHub-repository-like records: the benchmarks' shared data.

The same generator as the anchor's ``gen_data.py`` (``../shared/anchor``), shipped here so the
benchmarks reproduce from a plain clone; ``tests/benchmarks/test_gen_data.py`` checks that both
write the same bytes, so our numbers and the reference's are taken on the same data.

Usage: python benchmarks/gen_data.py N out.json [--seed S]
       python benchmarks/gen_data.py N out.jsonl [--seed S]   (one item per line, for streaming)

Item i depends only on (seed, i), so the first K items of a bigger file are the
same as a K-item file. Each item is ~2 KB of JSON (compact separators) and has:
id, name, full_name, html_url, description (about 1 in 5 null), language
(sometimes null), stargazers_count, topics (0-6 strings), owner {login, type, ...},
created_at, updated_at, default_branch, archived (about 1 in 10 true), visibility,
open_issues_count, a nested "team" object, and ~30 other noise fields (URLs,
flags, license, permissions, security_and_analysis...).
Pure standard library; works on any Python 3.8+.
"""

import json
import random
import sys
from datetime import UTC, datetime, timedelta

SEED = 20240501
ORGS = [
    ("acme-corp", "Organization"),
    ("globex", "Organization"),
    ("initech", "Organization"),
    ("umbrella-labs", "Organization"),
    ("hooli", "Organization"),
    ("stark-ind", "Organization"),
    ("wayne-ent", "Organization"),
    ("octocat", "User"),
    ("jdoe", "User"),
    ("asmith", "User"),
]
ADJ = [
    "fast",
    "tiny",
    "blue",
    "quiet",
    "rusty",
    "shiny",
    "lazy",
    "brave",
    "cosmic",
    "nimble",
    "silent",
    "golden",
    "frozen",
    "hidden",
    "mighty",
    "clever",
]
NOUN = [
    "api",
    "service",
    "worker",
    "gateway",
    "portal",
    "sdk",
    "cli",
    "engine",
    "scheduler",
    "indexer",
    "proxy",
    "dashboard",
    "pipeline",
    "bot",
    "library",
    "operator",
]
LANGS = [
    "Python",
    "Go",
    "TypeScript",
    "JavaScript",
    "Java",
    "Rust",
    "C++",
    "Ruby",
    "Kotlin",
    "Shell",
    "HCL",
    None,
]
TOPICS = [
    "backend",
    "frontend",
    "infra",
    "terraform",
    "kubernetes",
    "docker",
    "ml",
    "data",
    "security",
    "observability",
    "payments",
    "auth",
    "mobile",
    "internal-tool",
    "grpc",
    "graphql",
    "ci",
    "monorepo",
    "microservice",
    "legacy",
]
TEAMS = [
    "platform",
    "payments",
    "identity",
    "data-eng",
    "sre",
    "mobile",
    "growth",
    "security",
    "devex",
    "ml-infra",
    "frontend-core",
    "billing",
]
LICENSES = [
    ("mit", "MIT License", "MIT"),
    ("apache-2.0", "Apache License 2.0", "Apache-2.0"),
    ("gpl-3.0", "GNU General Public License v3.0", "GPL-3.0"),
    None,
]
WORDS = [
    "the",
    "a",
    "service",
    "for",
    "handling",
    "internal",
    "requests",
    "quickly",
    "and",
    "safely",
    "with",
    "retries",
    "metrics",
    "tracing",
    "caching",
    "storage",
    "events",
    "users",
    "billing",
    "reports",
    "legacy",
    "modern",
    "experimental",
    "stable",
    "lightweight",
    "scalable",
]
BASE = datetime(2015, 1, 1, tzinfo=UTC)


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_item(i: int, seed: int = SEED) -> dict:
    r = random.Random(seed * 1_000_003 + i)
    org, otype = ORGS[r.randrange(len(ORGS))]
    name = f"{r.choice(ADJ)}-{r.choice(NOUN)}-{i}"
    full = f"{org}/{name}"
    api = f"https://api.github.com/repos/{full}"
    created = BASE + timedelta(seconds=r.randrange(0, 9 * 365 * 86400))
    updated = created + timedelta(seconds=r.randrange(0, 365 * 86400))
    pushed = updated - timedelta(seconds=r.randrange(0, 30 * 86400))
    stars = int(r.paretovariate(1.2) * 3) - 3
    lic = r.choice(LICENSES)
    team = r.choice(TEAMS)
    desc = (
        None if r.random() < 0.2 else " ".join(r.choice(WORDS) for _ in range(r.randint(4, 14))).capitalize()
    )
    visibility = r.choices(["public", "private", "internal"], [5, 3, 2])[0]
    return {
        "id": 100_000_000 + i,
        "node_id": f"R_kgDO{(i * 2654435761) % 10**10:010d}",
        "name": name,
        "full_name": full,
        "private": visibility != "public",
        "owner": {
            "login": org,
            "id": 1000 + ORGS.index((org, otype)),
            "node_id": f"O_kgDO{ORGS.index((org, otype)):06d}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{1000 + ORGS.index((org, otype))}?v=4",
            "html_url": f"https://github.com/{org}",
            "type": otype,
            "site_admin": False,
        },
        "html_url": f"https://github.com/{full}",
        "description": desc,
        "fork": r.random() < 0.05,
        "url": api,
        "forks_url": f"{api}/forks",
        "issues_url": f"{api}/issues{{/number}}",
        "pulls_url": f"{api}/pulls{{/number}}",
        "commits_url": f"{api}/commits{{/sha}}",
        "branches_url": f"{api}/branches{{/branch}}",
        "releases_url": f"{api}/releases{{/id}}",
        "languages_url": f"{api}/languages",
        "contributors_url": f"{api}/contributors",
        "git_url": f"git://github.com/{full}.git",
        "ssh_url": f"git@github.com:{full}.git",
        "clone_url": f"https://github.com/{full}.git",
        "homepage": None if r.random() < 0.6 else f"https://{name}.{org}.dev",
        "size": r.randrange(10, 500_000),
        "stargazers_count": stars,
        "watchers_count": stars,
        "forks_count": int(stars * r.random() * 0.3),
        "open_issues_count": r.randrange(0, 250),
        "language": r.choice(LANGS),
        "topics": r.sample(TOPICS, r.randint(0, 6)),
        "has_issues": r.random() < 0.9,
        "has_projects": r.random() < 0.5,
        "has_wiki": r.random() < 0.4,
        "has_pages": r.random() < 0.1,
        "has_discussions": r.random() < 0.2,
        "archived": r.random() < 0.1,
        "disabled": False,
        "is_template": r.random() < 0.02,
        "allow_forking": True,
        "web_commit_signoff_required": False,
        "visibility": visibility,
        "default_branch": r.choices(["main", "master", "develop"], [7, 2, 1])[0],
        "license": None if lic is None else {"key": lic[0], "name": lic[1], "spdx_id": lic[2]},
        "created_at": _iso(created),
        "updated_at": _iso(updated),
        "pushed_at": _iso(pushed),
        "team": {
            "id": 5000 + TEAMS.index(team),
            "slug": team,
            "name": team.replace("-", " ").title(),
            "permission": r.choice(["admin", "maintain", "push", "pull"]),
            "parent": None if r.random() < 0.7 else {"slug": "engineering", "id": 4999},
        },
        "permissions": {"admin": False, "maintain": False, "push": True, "triage": True, "pull": True},
        "security_and_analysis": {
            "secret_scanning": {"status": r.choice(["enabled", "disabled"])},
            "dependabot_security_updates": {"status": r.choice(["enabled", "disabled"])},
        },
        "custom_properties": {
            "tier": r.choice(["1", "2", "3"]),
            "cost_center": f"cc-{r.randrange(100, 999)}",
        },
    }


def generate(n: int, seed: int = SEED) -> list:
    return [make_item(i, seed) for i in range(n)]


def main(argv: list) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    n, out = int(argv[1]), argv[2]
    seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else SEED
    items = generate(n, seed)
    with open(out, "w") as f:
        if out.endswith(".jsonl"):
            for it in items:
                f.write(json.dumps(it, separators=(",", ":")))
                f.write("\n")
        else:
            json.dump(items, f, separators=(",", ":"))
    nbytes = sum(len(json.dumps(it, separators=(",", ":"))) for it in items[:1000]) / max(1, min(n, 1000))
    active = sum(1 for it in items if not it["archived"])
    print(
        f"wrote {n} items to {out}; avg {nbytes:.0f} B/item (compact JSON); "
        f"non-archived={active}; topics total={sum(len(it['topics']) for it in items)}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
