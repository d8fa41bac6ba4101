"""A published integration, unmodified, on Ocean and on the reference: ``ocean sail --once`` each.

    python benchmarks/bench_corpus_sail.py [--users 5000]

Both sides run the corpus's ``opsgenie`` folder (a scratch copy each) against the same fake
Opsgenie API (``--users`` users in pages of ``--page``, ``paging.next`` links, served over HTTP)
into one standalone harbor, under different integration identifiers: Ocean with the corpus venv
(``.venv-corpus``, its ``port_ocean`` layer), the reference with its own venv (port-ocean 0.56.2,
``$ANCHOR_VENV``). Prints wall and CPU seconds (the syncing process and its children) and the
entities that landed, then the ratios reference / Ocean.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ocean_harbor.testing import RunningHarbor  # noqa: E402
from ocean_runtime.testing.fake_api import FakeAPI  # noqa: E402
from tests.compat.corpus.environment import CORPUS, resources_with_kinds, scratch_copy  # noqa: E402
from tests.compat.fake_server import ServedFakeAPI  # noqa: E402


def users_api(count: int, page: int) -> tuple[FakeAPI, ServedFakeAPI]:
    api = FakeAPI()
    server = ServedFakeAPI(api)
    for start in range(0, count, page):
        users = [
            {"id": f"u{n}", "fullName": f"User {n}", "username": f"user{n}@acme.io", "role": {"name": "User"}}
            for n in range(start, min(start + page, count))
        ]
        more = start + page < count
        paging = {"next": f"{server.url}/v2/users?page={start // page + 1}"} if more else {}
        url = "/v2/users?limit=100" if start == 0 else f"/v2/users?page={start // page}"
        api.get(url, json={"data": users, "paging": paging})
    return api, server


def sail(command: list[str], env: dict[str, str], cwd: Path) -> dict[str, Any]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        print(result.stdout[-2000:], result.stderr[-2000:], file=sys.stderr)
    return {"wall": wall, "cpu": cpu, "rc": result.returncode}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=5000)
    args = parser.parse_args()
    args.page = 100  # the integration asks for pages of 100
    ocean = REPO / ".venv-corpus" / "bin" / "ocean"
    reference = (
        Path(os.environ.get("ANCHOR_VENV", Path.home() / ".cache/ocean-anchor/venv")) / "bin" / "ocean"
    )
    api, server = users_api(args.users, args.page)
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as scratch, server.running():
        for side, binary in (("ocean", ocean), ("reference", reference)):
            work = Path(scratch) / side
            work.mkdir()
            # A fresh harbor per side: each does the same work (inserts into an empty catalog).
            with RunningHarbor(work / "harbor.db", client_id="b", client_secret="b") as harbor:
                folder = scratch_copy(CORPUS / "opsgenie", work)
                only_users = resources_with_kinds(folder, ("user",), work / "only-users")
                # The reference reads .port/resources only: both sides get the same one-kind mapping.
                mapping = next((folder / ".port" / "resources").glob("port-app-config.y*ml"))
                mapping.write_text((only_users / "port-app-config.yml").read_text())
                env = {k: v for k, v in os.environ.items() if not k.startswith("OCEAN__")}
                env.update(
                    OCEAN__PORT__BASE_URL=harbor.url,
                    OCEAN__PORT__CLIENT_ID="b",
                    OCEAN__PORT__CLIENT_SECRET="b",
                    OCEAN__INTEGRATION__IDENTIFIER=f"bench-{side}",
                    OCEAN__INTEGRATION__TYPE="opsgenie",
                    OCEAN__INTEGRATION__CONFIG__API_TOKEN="fake",
                    OCEAN__INTEGRATION__CONFIG__API_URL=server.url,
                    OCEAN__EVENT_LISTENER__TYPE="ONCE",
                    OCEAN__SEND_RAW_DATA_EXAMPLES="false",
                    PYTHONDONTWRITEBYTECODE="1",
                )
                if side == "ocean":
                    command = [str(binary), "sail", str(folder), "--once"]
                else:
                    command = [str(binary), "sail", "-O", "."]
                results[side] = sail(command, env, folder)
                results[side]["entities"] = len(harbor.entities("opsGenieUser"))
    for side, numbers in results.items():
        print(
            f"{side:10} wall {numbers['wall']:7.2f} s  cpu {numbers['cpu']:7.2f} s  "
            f"entities {numbers['entities']}  rc {numbers['rc']}"
        )
    ours, theirs = results["ocean"], results["reference"]
    wall, cpu = theirs["wall"] / ours["wall"], theirs["cpu"] / ours["cpu"]
    print(f"ratio reference/ocean: wall {wall:.1f}x, cpu {cpu:.1f}x")


if __name__ == "__main__":
    main()
